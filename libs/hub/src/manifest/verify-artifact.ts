import { createHash } from 'node:crypto';
import { recoverManifestSigner, validateManifest, type HubManifest } from './manifest';

export interface ArtifactCheck {
  name: 'manifest' | 'signature' | 'sha256' | 'bytes';
  ok: boolean;
  detail: string;
}

export interface ArtifactVerification {
  ok: boolean;
  checks: ArtifactCheck[];
}

/**
 * What a downloader runs on bytes from the hub or from any node: the manifest is well formed, its signature recovers
 * to its publisher, and the bytes' SHA-256 and length are the ones it declares. Needs nothing from the hub but the
 * manifest and signature (GET /v1/hub/models/:slug/versions); the bytes are hashed as they stream.
 */
export async function verifyArtifact(
  manifest: HubManifest,
  signature: string,
  bytes: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): Promise<ArtifactVerification> {
  const checks: ArtifactCheck[] = [];
  const valid = validateManifest(manifest);
  checks.push({
    name: 'manifest',
    ok: valid.ok,
    detail: valid.ok
      ? 'well formed'
      : valid.problems.map((p) => `${p.field}: ${p.problems.join(', ')}`).join('; '),
  });
  const signer = recoverManifestSigner(manifest, signature);
  const signedByPublisher =
    signer !== null && signer.toLowerCase() === String(manifest.publisher).toLowerCase();
  checks.push({
    name: 'signature',
    ok: signedByPublisher,
    detail: signedByPublisher
      ? `signed by ${signer}`
      : `recovers to ${signer ?? 'nothing'}, not ${manifest.publisher}`,
  });
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of bytes) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(buffer);
    length += buffer.length;
  }
  const sha256 = hash.digest('hex');
  checks.push({
    name: 'sha256',
    ok: sha256 === manifest.sha256,
    detail: sha256 === manifest.sha256 ? sha256 : `got ${sha256}, manifest says ${manifest.sha256}`,
  });
  checks.push({
    name: 'bytes',
    ok: length === manifest.bytes,
    detail: length === manifest.bytes ? `${length}` : `got ${length}, manifest says ${manifest.bytes}`,
  });
  return { ok: checks.every((c) => c.ok), checks };
}
