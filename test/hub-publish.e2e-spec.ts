import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { signManifest, type HubManifest } from '@app/hub/manifest/manifest';
import { verifyArtifact } from '@app/hub/manifest/verify-artifact';
import { type HDNodeWallet, Wallet } from 'ethers';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { type ApiHarness, signUp, startApi, type TestUser, uniqueHandle } from './support/api-harness';
import { waitFor } from './support/wait-for';

const PUBLISH_PER_HOUR = 5;
const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

let api: ApiHarness;
let url: string;
let blobDir: string;
let prisma: PrismaService;

beforeAll(async () => {
  // A blob directory of this file's own, so "no temp files left" looks at this file's uploads only.
  const overrides = {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'twinproof-hub-')),
    HUB_PUBLISH_PER_HOUR: String(PUBLISH_PER_HOUR),
    HUB_MAX_ARTIFACT_BYTES: String(MAX_ARTIFACT_BYTES),
  };
  blobDir = AppConfig.fromProcessEnv(overrides).hub.blobDir;
  api = await startApi(overrides);
  url = api.url;
  prisma = api.app.get(PrismaService);
});

afterAll(async () => {
  await api?.close();
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function manifestFor(
  wallet: { address: string },
  bytes: Buffer,
  overrides: Partial<HubManifest> = {},
): HubManifest {
  const slug = overrides.slug ?? `model-${randomBytes(4).toString('hex')}`;
  return {
    slug,
    name: `Model ${slug}`,
    version: 1,
    task: 'image classification',
    domain: 'vision',
    description: 'A test model.',
    license: 'MIT',
    datasets: ['ImageNet'],
    metrics: { 'top-1': 0.71 },
    inputs: [{ name: 'data', shape: [1, 3, 224, 224], type: 'tensor(float)' }],
    outputs: [{ name: 'prob', shape: [1, 1000], type: 'tensor(float)' }],
    precision: 'fp32',
    bytes: bytes.length,
    sha256: sha256(bytes),
    derivedFrom: '',
    derivation: '',
    tags: ['test'],
    familyId: '',
    publisher: wallet.address,
    ...overrides,
  };
}

async function publish(
  user: TestUser,
  manifest: HubManifest,
  signer: Wallet | HDNodeWallet,
): Promise<request.Response> {
  return request(url)
    .post('/v1/hub/models')
    .set(user.auth)
    .send({ manifest, signature: await signManifest(signer, manifest) });
}

function upload(user: TestUser, slug: string, version: number, bytes: Buffer): request.Test {
  return request(url)
    .put(`/v1/hub/models/${slug}/versions/${version}/artifact`)
    .set(user.auth)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes);
}

function tempFiles(): string[] {
  return existsSync(blobDir) ? readdirSync(blobDir).filter((name) => !/^[0-9a-f]{64}$/.test(name)) : [];
}

async function storedFlag(slug: string, version: number): Promise<boolean | undefined> {
  const row = await prisma.hubModelVersion.findFirst({ where: { model: { slug }, version } });
  return row?.artifactStored;
}

/** A raw PUT whose body the test writes piece by piece (supertest sends a body in one go). */
function openUpload(user: TestUser, slug: string, version: number, length: number) {
  const req = http.request(`${url}/v1/hub/models/${slug}/versions/${version}/artifact`, {
    method: 'PUT',
    headers: { ...user.auth, 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  const write = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => req.write(chunk, (e) => (e ? reject(e) : resolve())));
  return { req, response, write };
}

describe('publishing a model (e2e)', () => {
  it('publishes, uploads and serves bytes that verify against the signed manifest', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(200_000);
    const manifest = manifestFor(wallet, bytes);
    const published = await publish(user, manifest, wallet);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({
      slug: manifest.slug,
      version: 1,
      signer: wallet.address,
      sha256: manifest.sha256,
      artifactStored: false,
    });

    const notYet = await request(url).get(`/v1/hub/models/${manifest.slug}/artifact`).expect(404);
    expect(notYet.body.error).toMatchObject({
      code: 'ARTIFACT_NOT_HELD',
      details: { sha256: manifest.sha256, locations: `/v1/hub/artifacts/${manifest.sha256}/locations` },
    });

    const stored = await upload(user, manifest.slug, 1, bytes).expect(201);
    expect(stored.body).toMatchObject({ artifactStored: true, alreadyHeld: false });
    expect(existsSync(join(blobDir, manifest.sha256))).toBe(true);
    expect(await storedFlag(manifest.slug, 1)).toBe(true);

    const download = await request(url)
      .get(`/v1/hub/models/${manifest.slug}/artifact`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-length']).toBe(String(bytes.length));
    expect(download.headers.etag).toBe(`"${manifest.sha256}"`);
    expect(download.headers.digest).toBe(`sha-256=${createHash('sha256').update(bytes).digest('base64')}`);
    const body = download.body as Buffer;
    const verdict = await verifyArtifact(
      published.body.manifest as HubManifest,
      published.body.signature as string,
      [body],
    );
    expect(verdict).toMatchObject({ ok: true });

    // Sending it again stores nothing new.
    const again = await upload(user, manifest.slug, 1, bytes).expect(200);
    expect(again.body).toMatchObject({ alreadyHeld: true });
  });

  it('marks another model with the same bytes as held without a second copy', async () => {
    const first = await signUp(url, 'creator');
    const second = await signUp(url, 'creator');
    const [w1, w2] = [Wallet.createRandom(), Wallet.createRandom()];
    const bytes = randomBytes(5_000);
    const a = manifestFor(w1, bytes);
    const b = manifestFor(w2, bytes);
    expect((await publish(first, a, w1)).status).toBe(201);
    expect((await publish(second, b, w2)).status).toBe(201);
    await upload(first, a.slug, 1, bytes).expect(201);
    const deduplicated = await upload(second, b.slug, 1, bytes).expect(200);
    expect(deduplicated.body).toMatchObject({ alreadyHeld: true });
    expect(await storedFlag(b.slug, 1)).toBe(true);
    await request(url).get(`/v1/hub/models/${b.slug}/artifact`).expect(200);
  });

  it('refuses a manifest signed by someone other than its publisher, and stores nothing', async () => {
    const user = await signUp(url, 'creator');
    const publisher = Wallet.createRandom();
    const manifest = manifestFor(publisher, randomBytes(10));
    const refused = await publish(user, manifest, Wallet.createRandom());
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    expect(refused.body.error.details).toEqual([{ field: 'signature', problems: [expect.any(String)] }]);
    expect(await prisma.hubModel.findUnique({ where: { slug: manifest.slug } })).toBeNull();
    expect(await prisma.hubPublisherKey.findUnique({ where: { userId: user.id } })).toBeNull();
  });

  it('names the manifest fields that are wrong', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const manifest = { ...manifestFor(wallet, randomBytes(10)), sha256: 'not-a-hash', bytes: -1 };
    const refused = await request(url)
      .post('/v1/hub/models')
      .set(user.auth)
      .send({ manifest, signature: '0x' + '00'.repeat(65) })
      .expect(400);
    const fields = (refused.body.error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['bytes', 'sha256']);
  });

  it('binds an address to the account that first publishes with it', async () => {
    const owner = await signUp(url, 'creator');
    const other = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    expect((await publish(owner, manifestFor(wallet, randomBytes(10)), wallet)).status).toBe(201);

    const borrowed = await publish(other, manifestFor(wallet, randomBytes(10)), wallet);
    expect(borrowed.status).toBe(403);
    expect(borrowed.body.error.code).toBe('FORBIDDEN');

    const secondKey = Wallet.createRandom();
    const switched = await publish(owner, manifestFor(secondKey, randomBytes(10)), secondKey);
    expect(switched.status).toBe(400);
    expect(switched.body.error.details).toEqual([
      { field: 'signature', problems: [expect.stringContaining(wallet.address)] },
    ]);
  });

  it("refuses a slug or a look-alike name of another publisher's model", async () => {
    const original = await signUp(url, 'creator');
    const impostor = await signUp(url, 'creator');
    const [w1, w2] = [Wallet.createRandom(), Wallet.createRandom()];
    const suffix = randomBytes(3).toString('hex');
    const genuine = manifestFor(w1, randomBytes(10), {
      slug: `resnet-50-${suffix}`,
      name: `ResNet-50 ${suffix}`,
    });
    expect((await publish(original, genuine, w1)).status).toBe(201);

    const taken = await publish(
      impostor,
      manifestFor(w2, randomBytes(10), { slug: genuine.slug, name: 'Mine' }),
      w2,
    );
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CONFLICT');

    // Cyrillic е and о, a 5 written as S, the spacing changed.
    const lookAlike = `Rеs Net_S0 ${suffix}`.replace('S0', 'SО');
    const impersonation = await publish(
      impostor,
      manifestFor(w2, randomBytes(10), { slug: `my-model-${suffix}`, name: lookAlike }),
      w2,
    );
    expect(impersonation.status).toBe(409);
    expect(impersonation.body.error.code).toBe('NAME_IMPERSONATION');

    // The same publisher may reuse its own name under another slug.
    const own = manifestFor(w1, randomBytes(10), { slug: `resnet50-${suffix}-int8`, name: genuine.name });
    expect((await publish(original, own, w1)).status).toBe(201);

    // Nor by a later version of the impostor's own model, which renames it (review: only first versions were checked).
    const innocent = manifestFor(w2, randomBytes(10), { slug: `tiny-${suffix}`, name: `Tiny ${suffix}` });
    expect((await publish(impostor, innocent, w2)).status).toBe(201);
    const renamed = await publish(
      impostor,
      manifestFor(w2, randomBytes(10), { slug: innocent.slug, name: `ResNet\u00AD50 ${suffix}`, version: 2 }),
      w2,
    );
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.code).toBe('NAME_IMPERSONATION');
  });

  it('takes versions only in order, each immutable, and shows the newest on the model', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const first = manifestFor(wallet, randomBytes(10));

    const startsAtTwo = await publish(user, { ...first, version: 2 }, wallet);
    expect(startsAtTwo.status).toBe(409);
    expect(startsAtTwo.body.error).toMatchObject({
      code: 'CONFLICT',
      details: { field: 'version', expected: 1 },
    });

    expect((await publish(user, first, wallet)).status).toBe(201);
    const again = await publish(user, first, wallet);
    expect(again.status).toBe(409);
    const skips = await publish(user, { ...first, version: 3 }, wallet);
    expect(skips.body.error).toMatchObject({ code: 'CONFLICT', details: { expected: 2 } });

    const bytes = randomBytes(20);
    const second = {
      ...first,
      version: 2,
      license: 'Apache-2.0',
      bytes: bytes.length,
      sha256: sha256(bytes),
    };
    expect((await publish(user, second, wallet)).status).toBe(201);
    const model = await prisma.hubModel.findUniqueOrThrow({
      where: { slug: first.slug },
      include: { versions: true },
    });
    expect(model).toMatchObject({ license: 'Apache-2.0', sha256: second.sha256 });
    expect(model.versions.map((v) => v.version).sort()).toEqual([1, 2]);
  });

  it('refuses bytes that do not match the manifest, and keeps nothing', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(4_096);
    const manifest = manifestFor(wallet, bytes);
    expect((await publish(user, manifest, wallet)).status).toBe(201);
    const wrong = Buffer.from(bytes);
    wrong[100] ^= 0xff;
    const refused = await upload(user, manifest.slug, 1, wrong).expect(400);
    expect(refused.body.error).toMatchObject({
      code: 'ARTIFACT_HASH_MISMATCH',
      details: { expected: { sha256: manifest.sha256 }, got: { sha256: sha256(wrong) } },
    });
    const short = await upload(user, manifest.slug, 1, bytes.subarray(1)).expect(400);
    expect(short.body.error.code).toBe('ARTIFACT_HASH_MISMATCH');
    expect(existsSync(join(blobDir, manifest.sha256))).toBe(false);
    expect(existsSync(join(blobDir, sha256(wrong)))).toBe(false);
    expect(await storedFlag(manifest.slug, 1)).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses an upload larger than its manifest or the hub limit with 413, and keeps nothing', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(1_000);
    const manifest = manifestFor(wallet, bytes);
    expect((await publish(user, manifest, wallet)).status).toBe(201);

    // Declared too long: refused before reading.
    const declared = await upload(user, manifest.slug, 1, Buffer.concat([bytes, randomBytes(10)])).expect(
      413,
    );
    expect(declared.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    // Declared too long and only begun: answered at once, without waiting for bytes that will never come.
    const begun = openUpload(user, manifest.slug, 1, bytes.length + 1_000_000);
    await begun.write(bytes.subarray(0, 10));
    expect((await begun.response).status).toBe(413);

    // Sent without a length (chunked): refused once the bytes pass the manifest's size.
    const chunked = http.request(`${url}/v1/hub/models/${manifest.slug}/versions/1/artifact`, {
      method: 'PUT',
      headers: { ...user.auth, 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
    });
    const status = new Promise<number>((resolve, reject) => {
      chunked.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      chunked.on('error', reject);
    });
    chunked.end(Buffer.concat([bytes, randomBytes(5_000)]));
    expect(await status).toBe(413);
    expect(existsSync(join(blobDir, manifest.sha256))).toBe(false);
    expect(await storedFlag(manifest.slug, 1)).toBe(false);
    expect(tempFiles()).toEqual([]);

    // A manifest over the hub's limit can be published (nodes may hold it) but not uploaded here.
    const huge = manifestFor(wallet, bytes, { bytes: MAX_ARTIFACT_BYTES + 1 });
    expect((await publish(user, huge, wallet)).status).toBe(201);
    const overLimit = await upload(user, huge.slug, 1, bytes).expect(413);
    expect(overLimit.body.error.details).toEqual({ limit: MAX_ARTIFACT_BYTES });
  });

  it('keeps nothing of an upload cut off midway', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(2 * 1024 * 1024);
    const manifest = manifestFor(wallet, bytes);
    expect((await publish(user, manifest, wallet)).status).toBe(201);

    const upload = openUpload(user, manifest.slug, 1, bytes.length);
    upload.response.catch(() => undefined);
    await upload.write(bytes.subarray(0, 1024 * 1024));
    await waitFor(() => Promise.resolve(tempFiles().length === 1), 'the upload to reach the disk');
    upload.req.destroy();

    await waitFor(() => Promise.resolve(tempFiles().length === 0), 'the temp file to be removed');
    expect(existsSync(join(blobDir, manifest.sha256))).toBe(false);
    expect(await storedFlag(manifest.slug, 1)).toBe(false);
    // The publisher can upload it properly afterwards.
    await request(url)
      .put(`/v1/hub/models/${manifest.slug}/versions/1/artifact`)
      .set(user.auth)
      .set('Content-Type', 'application/octet-stream')
      .send(bytes)
      .expect(201);
  });

  it('lets only the publisher upload, and only as application/octet-stream', async () => {
    const user = await signUp(url, 'creator');
    const stranger = await signUp(url, 'consumer');
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(100);
    const manifest = manifestFor(wallet, bytes);
    expect((await publish(user, manifest, wallet)).status).toBe(201);
    const foreign = await upload(stranger, manifest.slug, 1, bytes).expect(403);
    expect(foreign.body.error.code).toBe('FORBIDDEN');
    const asJson = await request(url)
      .put(`/v1/hub/models/${manifest.slug}/versions/1/artifact`)
      .set(user.auth)
      .send({ bytes: 'no' })
      .expect(415);
    expect(asJson.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    await upload(user, manifest.slug, 2, bytes).expect(404);
    await request(url)
      .put(`/v1/hub/models/${manifest.slug}/versions/1/artifact`)
      .set('Content-Type', 'application/octet-stream')
      .send(bytes)
      .expect(401);
    expect(await storedFlag(manifest.slug, 1)).toBe(false);
  });

  it('limits publications per account per hour', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    for (let i = 0; i < PUBLISH_PER_HOUR; i += 1) {
      expect((await publish(user, manifestFor(wallet, randomBytes(10)), wallet)).status).toBe(201);
    }
    const refused = await publish(user, manifestFor(wallet, randomBytes(10)), wallet);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // Another account is counted apart.
    const other = await signUp(url, 'creator');
    const otherWallet = Wallet.createRandom();
    expect((await publish(other, manifestFor(otherWallet, randomBytes(10)), otherWallet)).status).toBe(201);
  });

  it('lets only an admin hide and unhide a model, which stays downloadable', async () => {
    const user = await signUp(url, 'creator');
    const admin = await signUp(url, 'consumer', uniqueHandle('admin'));
    await prisma.user.update({ where: { id: admin.id }, data: { role: 'admin' } });
    const wallet = Wallet.createRandom();
    const bytes = randomBytes(64);
    const manifest = manifestFor(wallet, bytes);
    expect((await publish(user, manifest, wallet)).status).toBe(201);
    await upload(user, manifest.slug, 1, bytes).expect(201);

    const byPublisher = await request(url)
      .post(`/v1/hub/models/${manifest.slug}/hide`)
      .set(user.auth)
      .expect(403);
    expect(byPublisher.body.error.code).toBe('FORBIDDEN');
    await request(url).post(`/v1/hub/models/${manifest.slug}/hide`).expect(401);

    const hidden = await request(url)
      .post(`/v1/hub/models/${manifest.slug}/hide`)
      .set(admin.auth)
      .expect(200);
    expect(hidden.body).toMatchObject({ slug: manifest.slug, hidden: true });
    const row = await prisma.hubModel.findUniqueOrThrow({ where: { slug: manifest.slug } });
    expect(row.hiddenAt).not.toBeNull();
    await request(url).get(`/v1/hub/models/${manifest.slug}/artifact`).expect(200);

    await request(url).post(`/v1/hub/models/${manifest.slug}/unhide`).set(user.auth).expect(403);
    const shown = await request(url)
      .post(`/v1/hub/models/${manifest.slug}/unhide`)
      .set(admin.auth)
      .expect(200);
    expect(shown.body).toMatchObject({ hidden: false, hiddenAt: null });
    expect((await prisma.hubModel.findUniqueOrThrow({ where: { slug: manifest.slug } })).hiddenAt).toBeNull();
    await request(url).post('/v1/hub/models/no-such-model/hide').set(admin.auth).expect(404);
  });

  it('answers /health while a large upload streams in slowly, then stores it', async () => {
    const user = await signUp(url, 'creator');
    const wallet = Wallet.createRandom();
    const piece = randomBytes(1024 * 1024);
    const pieces = 50;
    const hash = createHash('sha256');
    for (let i = 0; i < pieces; i += 1) hash.update(piece);
    const manifest = manifestFor(wallet, piece, { bytes: piece.length * pieces, sha256: hash.digest('hex') });
    expect((await publish(user, manifest, wallet)).status).toBe(201);

    const signature = await signManifest(wallet, manifest);
    const upload = openUpload(user, manifest.slug, 1, manifest.bytes);
    let healthChecks = 0;
    for (let i = 0; i < pieces; i += 1) {
      await upload.write(piece);
      // The upload cannot have finished: the rest of its bytes are not sent until /health has answered.
      if (i % 10 === 5) {
        const health = await request(url).get('/health');
        expect(health.status).toBe(200);
        healthChecks += 1;
      }
    }
    upload.req.end();
    expect((await upload.response).status).toBe(201);
    expect(healthChecks).toBe(5);

    const verdict = await new Promise<Awaited<ReturnType<typeof verifyArtifact>>>((resolve, reject) => {
      http
        .get(`${url}/v1/hub/models/${manifest.slug}/artifact`, (res) => {
          verifyArtifact(manifest, signature, res).then(resolve, reject);
        })
        .on('error', reject);
    });
    expect(verdict).toMatchObject({ ok: true });
  });
});
