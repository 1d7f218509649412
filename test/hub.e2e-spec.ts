// The hub's registry end to end (issue 14): the seeded ONNX Model Zoo, search with facets, hidden models, lineage,
// signed versions, bad parameters, and a node process that pins an artifact, counted and served by its SHA-256.
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import {
  encodeManifestForSigning,
  MANIFEST_DOMAIN,
  MANIFEST_TYPES,
  type HubManifest,
} from '@app/hub/manifest/manifest';
import { verifyTypedData } from 'ethers';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SEED_PUBLISHER_HANDLE, seedHub } from '../scripts/hub-seed';
import { signUp, startApi, type ApiHarness, type TestUser } from './support/api-harness';
import { buildNodeProcess, startNodeProcess, type NodeProcess } from './support/node-processes';
import { waitFor } from './support/wait-for';

const CORPUS = join(__dirname, '..', 'libs', 'hub', 'corpus');
// One seed key per test run: every file of the run shares the database, where the seed account's address is bound.
const SEED_KEY = join(tmpdir(), `twinproof-hub-seed-${process.env.TWINPROOF_TEST_DB ?? 'local'}.json`);

interface Summary {
  slug: string;
  name: string;
  task: string;
  license: string;
  precision: string;
  bytes: number;
  sha256: string;
  publisher: string;
  pins: { nodes: number; operators: number };
  derivedFrom: string | null;
}
interface Page {
  data: Summary[];
  nextCursor: string | null;
  total: number;
  understood: { constraints: string[] };
}

async function search(url: string, query: Record<string, string | number>): Promise<Page> {
  return (await request(url).get('/v1/hub/models').query(query).expect(200)).body as Page;
}

describe('Model hub registry (e2e)', () => {
  let prisma: PrismaService;
  let api: ApiHarness;
  let first: Awaited<ReturnType<typeof seedHub>>;
  let second: Awaited<ReturnType<typeof seedHub>>;

  beforeAll(async () => {
    buildNodeProcess();
    prisma = new PrismaService(AppConfig.fromProcessEnv());
    first = await seedHub(prisma, { corpusDir: CORPUS, keyFile: SEED_KEY });
    second = await seedHub(prisma, { corpusDir: CORPUS, keyFile: SEED_KEY });
    // A health window (3 beats) far longer than any wait below: a node stops counting because it was revoked, not
    // because its last heartbeat aged out while the test waited.
    api = await startApi({ NODE_HEARTBEAT_MS: '60000' });
  }, 240_000);

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('seeds the 190 zoo models once, each with one signed version 1 that verifies with ethers alone', async () => {
    expect(first.skipped).toEqual([]);
    expect(first.created + first.unchanged).toBe(190);
    expect(second).toMatchObject({ created: 0, unchanged: 190, skipped: [] });
    const versions = await prisma.hubModelVersion.findMany({
      where: { model: { publisher: { handle: SEED_PUBLISHER_HANDLE } } },
      include: { model: { select: { slug: true } } },
    });
    expect(new Set(versions.map((v) => v.model.slug)).size).toBe(190);
    expect(versions).toHaveLength(190);
    expect(versions.every((v) => v.version === 1 && !v.artifactStored)).toBe(true);
    for (const v of versions) {
      const manifest = v.manifest as unknown as HubManifest;
      expect(
        verifyTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(manifest), v.signature),
      ).toBe(first.publisher.address);
      expect(manifest.sha256).toBe(v.sha256);
    }
  });

  it('finds face detection models for "face detection", best first', async () => {
    const page = await search(api.url, { q: 'face detection', limit: 5 });
    expect(page.data[0]?.task).toBe('face detection');
    expect(page.data.slice(0, 3).map((m) => m.task)).toEqual([
      'face detection',
      'face detection',
      'face detection',
    ]);
    expect(page.data[0]?.publisher).toBe(SEED_PUBLISHER_HANDLE);
  });

  it('filters by facets: task, precision, license, size, dataset and metric thresholds', async () => {
    // "int8" covers both quantized formats (int8 and int8-qdq), as the search library defines it.
    const int8Detection = await search(api.url, { task: 'object detection', precision: 'int8', limit: 50 });
    expect(int8Detection.total).toBeGreaterThan(0);
    expect(
      int8Detection.data.every((m) => m.task === 'object detection' && m.precision.startsWith('int8')),
    ).toBe(true);

    const coco = await search(api.url, { dataset: 'COCO 2017', limit: 50 });
    expect(coco.total).toBeGreaterThan(0);
    const cocoRows = await prisma.hubModel.findMany({
      where: { slug: { in: coco.data.map((m) => m.slug) } },
    });
    expect(cocoRows.every((r) => r.datasets.some((d) => d.includes('COCO')))).toBe(true);

    const smallMit = await search(api.url, {
      q: 'image classification',
      license: 'MIT',
      maxBytes: 10_000_000,
      limit: 50,
    });
    expect(smallMit.total).toBeGreaterThan(0);
    expect(smallMit.data.every((m) => m.license === 'MIT' && m.bytes <= 10_000_000)).toBe(true);

    const accurate = await search(api.url, { minMetric: 'top1:0.8', limit: 50 });
    expect(accurate.total).toBeGreaterThan(0);
    const slugs = accurate.data.map((m) => m.slug);
    const rows = await prisma.hubModel.findMany({ where: { slug: { in: slugs } } });
    expect(rows.every((r) => ((r.metrics as Record<string, number>).top1 ?? 0) >= 0.8)).toBe(true);

    const everything = await search(api.url, { limit: 50 });
    expect(everything.total).toBeGreaterThanOrEqual(190);
  });

  it('pages with an opaque offset cursor, without repeating a model', async () => {
    const one = await search(api.url, { q: 'resnet', limit: 5 });
    expect(one.nextCursor).toEqual(expect.any(String));
    const two = await search(api.url, { q: 'resnet', limit: 5, cursor: one.nextCursor! });
    expect(two.data).toHaveLength(5);
    const seen = new Set(one.data.map((m) => m.slug));
    expect(two.data.some((m) => seen.has(m.slug))).toBe(false);
  });

  it('leaves a hidden model out of search, while GET /:slug still answers with hidden: true and a note', async () => {
    const slug = 'version-rfb-640';
    const inSearch = async (): Promise<boolean> =>
      (await search(api.url, { q: 'face detection', limit: 50 })).data.some((m) => m.slug === slug);
    expect(await inSearch()).toBe(true);
    await prisma.hubModel.update({ where: { slug }, data: { hiddenAt: new Date() } });
    try {
      await waitFor(async () => !(await inSearch()), 'the hidden model to leave search', 10_000);
      const detail = (await request(api.url).get(`/v1/hub/models/${slug}`).expect(200)).body as Record<
        string,
        unknown
      >;
      expect(detail).toMatchObject({ slug, hidden: true, note: expect.stringMatching(/pinning/) });
    } finally {
      await prisma.hubModel.update({ where: { slug }, data: { hiddenAt: null } });
    }
    await waitFor(inSearch, 'the unhidden model to come back', 10_000);
  });

  it('shows the int8 variant as quantized from its fp32 sibling, both ways', async () => {
    const up = (await request(api.url).get('/v1/hub/models/resnet50-v1-12-int8/lineage').expect(200))
      .body as {
      ancestors: { slug: string; derivation: string | null }[];
    };
    expect(up.ancestors[0]).toMatchObject({ slug: 'resnet50-v1-12' });
    const int8 = (await request(api.url).get('/v1/hub/models/resnet50-v1-12-int8').expect(200))
      .body as Summary & {
      derivation: string;
    };
    expect(int8).toMatchObject({ derivedFrom: 'resnet50-v1-12', derivation: 'quantized', hidden: false });
    const down = (await request(api.url).get('/v1/hub/models/resnet50-v1-12/lineage').expect(200)).body as {
      ancestors: unknown[];
      derived: { slug: string }[];
    };
    expect(down.ancestors).toEqual([]);
    expect(down.derived.map((d) => d.slug).sort()).toEqual(['resnet50-v1-12-int8', 'resnet50-v1-12-qdq']);
  });

  it('lists versions with the signed manifest, its digest and signer', async () => {
    const body = (await request(api.url).get('/v1/hub/models/squeezenet1.0-12/versions').expect(200))
      .body as {
      data: {
        version: number;
        manifest: HubManifest;
        signature: string;
        signer: string;
        manifestDigest: string;
      }[];
    };
    expect(body.data).toHaveLength(1);
    const [v] = body.data;
    expect(v).toMatchObject({ version: 1, signer: first.publisher.address });
    expect(
      verifyTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(v.manifest), v.signature),
    ).toBe(v.signer);
  });

  it.each([
    ['limit 0', 'limit=0'],
    ['limit 51', 'limit=51'],
    ['a limit that is no number', 'limit=ten'],
    ['a negative maxBytes', 'maxBytes=-5'],
    ['a minMetric without a value', 'minMetric=top1'],
    ['a negative minOperators', 'minOperators=-1'],
    ['a cursor it did not issue', 'cursor=not-a-cursor'],
    ['q over 500 characters', `q=${'x'.repeat(501)}`],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_what, params) => {
    const response = await request(api.url).get(`/v1/hub/models?${params}`).expect(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String) },
    });
  });

  it('answers 404 for an unknown slug and 400 for a malformed sha256', async () => {
    const missing = await request(api.url).get('/v1/hub/models/no-such-model-here').expect(404);
    expect(missing.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const bad = await request(api.url).get('/v1/hub/artifacts/XYZ/locations').expect(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  describe('a node process pinning an artifact', () => {
    let operator: TestUser;
    let node: NodeProcess | undefined;
    let hubDir: string;
    const bytes = randomBytes(64 * 1024 + 17);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const token = `pinnet${randomBytes(4).toString('hex')}`;
    const slug = `e2e-${token}`;

    beforeAll(async () => {
      hubDir = mkdtempSync(join(tmpdir(), 'twinproof-hub-pins-'));
      // Named by anything: the node knows a file by its computed hash.
      writeFileSync(join(hubDir, 'model.onnx'), bytes);
      const corpus = mkdtempSync(join(tmpdir(), 'twinproof-hub-corpus-'));
      const entry = {
        id: slug,
        name: `PinNet ${token}`,
        family_id: token,
        task: 'image classification',
        domain: 'vision',
        tags: ['vision', 'classification'],
        precision: 'fp32',
        description: `A tiny test network, ${token}, that a node pins.`,
        dataset: ['ImageNet'],
        metrics: { top1: 0.5 },
        model_bytes: bytes.length,
        sha256,
        license: 'MIT',
      };
      writeFileSync(join(corpus, 'models.jsonl'), JSON.stringify(entry) + '\n');
      await seedHub(prisma, { corpusDir: corpus, keyFile: SEED_KEY });
      rmSync(corpus, { recursive: true, force: true });
      // In the index before any node pins it: the count must then follow the pin without the model row changing.
      await waitFor(
        async () =>
          (await search(api.url, { q: token, limit: 5 })).data.some(
            (m) => m.slug === slug && m.pins.nodes === 0,
          ),
        'the new model to reach search',
        10_000,
      );
      operator = await signUp(api.url, 'operator');
      node = await startNodeProcess(api.url, operator.apiKey, ['--hub-dir', hubDir, '--heartbeat-ms', '300']);
    }, 60_000);

    afterAll(async () => {
      await node?.dispose();
      rmSync(hubDir, { recursive: true, force: true });
    });

    it('is counted in search as one node of one operator, and filtered by minOperators', async () => {
      let hit: Summary | undefined;
      await waitFor(
        async () => {
          hit = (await search(api.url, { q: token, limit: 5 })).data.find((m) => m.slug === slug);
          return hit?.pins.nodes === 1;
        },
        'the pin to be counted',
        15_000,
      );
      expect(hit?.pins).toEqual({ nodes: 1, operators: 1 });
      expect(
        (await search(api.url, { q: token, minOperators: 1, limit: 5 })).data.map((m) => m.slug),
      ).toContain(slug);
      expect(
        (await search(api.url, { q: token, minOperators: 2, limit: 5 })).data.map((m) => m.slug),
      ).not.toContain(slug);
    });

    it('lists the node under the artifact’s locations, and the node serves bytes matching the SHA-256', async () => {
      const body = (await request(api.url).get(`/v1/hub/artifacts/${sha256}/locations`).expect(200)).body as {
        data: { nodeId: string; url: string; operatorId: string; artifactUrl: string }[];
      };
      expect(body.data).toEqual([
        {
          nodeId: node!.listed.id,
          url: node!.url,
          operatorId: operator.id,
          artifactUrl: `${node!.url}/hub/artifacts/${sha256}`,
        },
      ]);
      const response = await fetch(body.data[0].artifactUrl);
      expect(response.status).toBe(200);
      const served = Buffer.from(await response.arrayBuffer());
      expect(createHash('sha256').update(served).digest('hex')).toBe(sha256);
      expect(response.headers.get('etag')).toBe(`"${sha256}"`);
      expect(response.headers.get('digest')).toBe(`sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
      expect((await fetch(`${node!.url}/hub/artifacts/${'0'.repeat(64)}`)).status).toBe(404);
    });

    it('stops counting the node once it is revoked', async () => {
      await node!.dispose();
      node = undefined;
      await waitFor(
        async () =>
          (await search(api.url, { q: token, limit: 5 })).data.find((m) => m.slug === slug)?.pins.nodes === 0,
        'the revoked node’s pin to stop counting',
        15_000,
      );
      const body = (await request(api.url).get(`/v1/hub/artifacts/${sha256}/locations`).expect(200)).body as {
        data: unknown[];
      };
      expect(body.data).toEqual([]);
      const pinned = await search(api.url, { q: token, minOperators: 1, limit: 5 });
      expect(pinned.data.map((m) => m.slug)).not.toContain(slug);
    });
  });
});
