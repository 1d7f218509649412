// `npm run hub:seed`: loads the ONNX Model Zoo corpus (HUB_CORPUS, default libs/hub/corpus) into the hub as signed
// manifests of one seed publisher, `onnx-model-zoo`. Idempotent: a model already there is left as it is. The hub holds
// none of the zoo's bytes (artifactStored false): nodes that pin a file serve it, verified by its SHA-256.
import { AppConfig } from '@app/config';
import { Prisma, PrismaService } from '@app/database';
import { manifestDigest, signManifest, validateManifest, type HubManifest } from '@app/hub/manifest/manifest';
import { quantizedFrom } from '@app/hub/registry/corpus-lineage';
import type { CorpusEntry } from '@app/hub/search/hub-corpus';
import { modelColumns } from '@app/hub/manifest/model-columns';
import { loadOrCreateKey } from '@app/network/key-file';
import type { Wallet } from 'ethers';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const SEED_PUBLISHER_HANDLE = 'onnx-model-zoo';

export interface SeedOptions {
  /** Folder holding models.jsonl. */
  corpusDir: string;
  /** Where the seed publisher's signing key is kept (created on first use, mode 0600). */
  keyFile: string;
  handle?: string;
}

export interface SeedResult {
  publisher: { handle: string; address: string };
  created: number;
  unchanged: number;
  /** Slugs held by another publisher, or whose manifest the hub would refuse. */
  skipped: { slug: string; reason: string }[];
}

/** The folder above `from` that holds package.json: dist/scripts and scripts both find the repository root. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  return process.cwd();
}

export function defaultCorpusDir(config: AppConfig): string {
  return resolve(repoRoot(), config.hub.corpus ?? 'libs/hub/corpus');
}

function readCorpus(corpusDir: string): CorpusEntry[] {
  return readFileSync(join(corpusDir, 'models.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusEntry);
}

export function manifestOf(entry: CorpusEntry, all: CorpusEntry[], publisher: string): HubManifest {
  const parent = quantizedFrom(entry, all);
  return {
    slug: entry.id,
    name: entry.name,
    version: 1,
    task: entry.task,
    domain: entry.domain,
    description: entry.description,
    license: entry.license,
    datasets: entry.dataset ?? [],
    metrics: entry.metrics ?? {},
    inputs: entry.inputs ?? [],
    outputs: entry.outputs ?? [],
    precision: entry.precision,
    bytes: entry.model_bytes,
    sha256: entry.sha256.toLowerCase(),
    derivedFrom: parent ?? '',
    derivation: parent ? 'quantized' : '',
    tags: entry.tags ?? [],
    familyId: entry.family_id ?? '',
    publisher,
  };
}

/** The seed account and its bound signing address, made on first use; refuses a key that another account holds. */
async function seedPublisher(prisma: PrismaService, handle: string, wallet: Wallet): Promise<string> {
  const user =
    (await prisma.user.findUnique({ where: { handle } })) ??
    (await prisma.user.create({ data: { handle, role: 'creator' } }));
  const bound = await prisma.hubPublisherKey.findUnique({ where: { userId: user.id } });
  if (bound && bound.address !== wallet.address)
    throw new Error(
      `${handle} signs with ${bound.address}, but the key file holds ${wallet.address}: restore the key file that was used first.`,
    );
  if (!bound) {
    const other = await prisma.hubPublisherKey.findUnique({ where: { address: wallet.address } });
    if (other) throw new Error(`${wallet.address} is bound to another account: use another key file.`);
    await prisma.hubPublisherKey.create({ data: { userId: user.id, address: wallet.address } });
  }
  return user.id;
}

export async function seedHub(prisma: PrismaService, options: SeedOptions): Promise<SeedResult> {
  const handle = options.handle ?? SEED_PUBLISHER_HANDLE;
  const entries = readCorpus(options.corpusDir);
  const wallet = await loadOrCreateKey(options.keyFile);
  const userId = await seedPublisher(prisma, handle, wallet);
  const existing = await prisma.hubModel.findMany({
    where: { slug: { in: entries.map((e) => e.id) } },
    select: { slug: true, publisherId: true, _count: { select: { versions: true } } },
  });
  const bySlug = new Map(existing.map((row) => [row.slug, row]));
  const result: SeedResult = {
    publisher: { handle, address: wallet.address },
    created: 0,
    unchanged: 0,
    skipped: [],
  };
  for (const entry of entries) {
    const known = bySlug.get(entry.id);
    if (known && known.publisherId !== userId) {
      result.skipped.push({ slug: entry.id, reason: 'the slug belongs to another publisher' });
      continue;
    }
    if (known && known._count.versions > 0) {
      result.unchanged += 1;
      continue;
    }
    const checked = validateManifest(manifestOf(entry, entries, wallet.address));
    if (!checked.ok) {
      result.skipped.push({ slug: entry.id, reason: JSON.stringify(checked.problems) });
      continue;
    }
    await createModel(prisma, userId, checked.manifest, await signManifest(wallet, checked.manifest));
    result.created += 1;
  }
  return result;
}

async function createModel(
  prisma: PrismaService,
  userId: string,
  m: HubManifest,
  signature: string,
): Promise<void> {
  const fields = modelColumns(m);
  // One transaction: a model row never stands without its signed version 1.
  await prisma.$transaction(async (tx) => {
    const model = await tx.hubModel.upsert({
      where: { slug: m.slug },
      create: { slug: m.slug, publisherId: userId, ...fields },
      update: fields,
    });
    await tx.hubModelVersion.create({
      data: {
        modelId: model.id,
        version: 1,
        manifest: m as unknown as Prisma.InputJsonObject,
        manifestDigest: manifestDigest(m),
        signature,
        signer: m.publisher,
        sha256: m.sha256,
        bytes: BigInt(m.bytes),
        artifactStored: false,
      },
    });
  });
}

async function main(): Promise<number> {
  const config = AppConfig.fromProcessEnv();
  const prisma = new PrismaService(config);
  try {
    const corpusDir = defaultCorpusDir(config);
    const result = await seedHub(prisma, { corpusDir, keyFile: join(config.dataDir, 'hub-seed-key.json') });
    console.log(
      `Hub seeded from ${corpusDir} as ${result.publisher.handle} (${result.publisher.address}): ` +
        `${result.created} models added, ${result.unchanged} already there, ${result.skipped.length} skipped.`,
    );
    for (const skipped of result.skipped) console.log(`  skipped ${skipped.slug}: ${skipped.reason}`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`hub:seed failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
