import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { addressFromNitroField } from './address-binding';
import type { AttestationPolicy, AttestationVerdict } from './attestation.types';
import { MalformedNitroDocument, type NitroAttestationDocument, parseNitroCoseSign1 } from './nitro-document';
import { bytesToHex, measurementRefusal } from './policy';
import { chainSignatureRefusal, chainValidityRefusal, earliestExpiry } from './x509';
import { errorMessage, rejected } from './verdict';

/**
 * SHA-256 of the DER AWS Nitro root (https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html). The document
 * carries its own root in cabundle[0], so without this pin any self-made CA would verify.
 */
export const AWS_NITRO_ROOT_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b';

/** Allowance for a verifier clock slightly behind the enclave's, applied to the document timestamp only. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DETAIL_PCRS = [1, 2, 3, 4, 8];

export function verifyNitroAttestation(document: string, policy: AttestationPolicy): AttestationVerdict {
  let parsed: ReturnType<typeof parseNitroCoseSign1>;
  let chain: X509Certificate[];
  try {
    parsed = parseNitroCoseSign1(document);
    chain = [...parsed.document.cabundle, parsed.document.certificate].map((der) => new X509Certificate(der));
  } catch (error) {
    if (error instanceof MalformedNitroDocument) {
      return rejected('nitro', `malformed document: ${error.message}`);
    }
    return rejected('nitro', `malformed document: bad certificate (${errorMessage(error)})`);
  }

  const doc = parsed.document;
  const facts = describe(doc, chain);
  const refusal =
    chainSignatureRefusal(chain, AWS_NITRO_ROOT_SHA256) ??
    coseSignatureRefusal(parsed.signedBytes, parsed.signature, chain[chain.length - 1]) ??
    chainValidityRefusal(chain, policy.now) ??
    (doc.timestamp > policy.now.getTime() + CLOCK_SKEW_MS
      ? `document timestamp ${facts.issuedAt} is in the future`
      : null) ??
    measurementRefusal('nitro', facts.measurement, policy);
  return refusal ? rejected('nitro', refusal, facts) : { ...facts, kind: 'nitro', verified: true };
}

function coseSignatureRefusal(signedBytes: Uint8Array, signature: Uint8Array, leaf: X509Certificate) {
  if (leaf.publicKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1')
    return 'signature invalid: the enclave certificate key is not P-384';
  const valid = verifySignature(
    'sha384',
    signedBytes,
    { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' },
    signature,
  );
  return valid
    ? null
    : 'signature invalid: the COSE_Sign1 signature does not verify with the enclave certificate';
}

function describe(doc: NitroAttestationDocument, chain: X509Certificate[]) {
  const pcr0 = doc.pcrs.get(0) ?? new Uint8Array(0);
  // AWS zeroes every PCR of an enclave started in debug mode, whose memory the parent instance can read.
  const debug = pcr0.every((byte) => byte === 0);
  const details: Record<string, string> = { moduleId: doc.moduleId };
  for (const index of DETAIL_PCRS) {
    const value = doc.pcrs.get(index);
    if (value) details[`pcr${index}`] = bytesToHex(value);
  }
  // Kept for callers with their own binding format (the public sample holds a DER public key here).
  if (doc.userData) details.userData = bytesToHex(doc.userData);
  if (doc.publicKey) details.publicKey = bytesToHex(doc.publicKey);
  return {
    measurement: bytesToHex(pcr0),
    boundAddress: addressFromNitroField(doc.userData) ?? addressFromNitroField(doc.publicKey),
    status: debug ? 'debug' : 'production',
    advisories: debug
      ? ['debug mode: PCRs are zero, the enclave memory is readable by its parent instance']
      : [],
    issuedAt: new Date(doc.timestamp).toISOString(),
    expiresAt: earliestExpiry(chain).toISOString(),
    details,
  };
}
