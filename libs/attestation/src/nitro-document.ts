import { CborError, type CborMap, type CborValue, decodeCbor, encodeCbor, isCborTagged } from './cbor';

/** The fields of an AWS Nitro Enclaves attestation document, as the NSM API documents them. */
export interface NitroAttestationDocument {
  moduleId: string;
  digest: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  pcrs: Map<number, Uint8Array>;
  certificate: Uint8Array;
  /** Root first. */
  cabundle: Uint8Array[];
  publicKey: Uint8Array | null;
  userData: Uint8Array | null;
  nonce: Uint8Array | null;
}

export interface NitroCoseSign1 {
  document: NitroAttestationDocument;
  /** The bytes the ES384 signature covers (the COSE Sig_structure). */
  signedBytes: Uint8Array;
  /** Raw r ‖ s, 96 bytes. */
  signature: Uint8Array;
}

const COSE_SIGN1_TAG = 18;
const COSE_HEADER_ALG = 1;
const COSE_ALG_ES384 = -35;
const PCR_LENGTHS = [32, 48, 64];

export class MalformedNitroDocument extends Error {}

/** Parses a base64 COSE_Sign1 attestation document; throws MalformedNitroDocument on anything unexpected. */
export function parseNitroCoseSign1(base64: string): NitroCoseSign1 {
  const compact = base64.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new MalformedNitroDocument('not base64');
  try {
    let outer = decodeCbor(Buffer.from(compact, 'base64'));
    if (isCborTagged(outer) && outer.tag === COSE_SIGN1_TAG) outer = outer.value;
    if (!Array.isArray(outer) || outer.length !== 4)
      throw new MalformedNitroDocument('not a COSE_Sign1 array');
    const [protectedHeader, , payload, signature] = outer;
    const headerBytes = bytes(protectedHeader, 'protected header');
    const header = decodeCbor(headerBytes);
    if (!(header instanceof Map) || header.get(COSE_HEADER_ALG) !== COSE_ALG_ES384) {
      throw new MalformedNitroDocument('COSE algorithm is not ES384');
    }
    const payloadBytes = bytes(payload, 'payload');
    return {
      document: readDocument(decodeCbor(payloadBytes)),
      // RFC 9052 §4.4: ["Signature1", protected, external_aad (empty), payload].
      signedBytes: encodeCbor(['Signature1', headerBytes, new Uint8Array(0), payloadBytes]),
      signature: bytes(signature, 'signature'),
    };
  } catch (error) {
    if (error instanceof CborError) throw new MalformedNitroDocument(`invalid CBOR: ${error.message}`);
    throw error;
  }
}

function readDocument(payload: CborValue): NitroAttestationDocument {
  if (!(payload instanceof Map)) throw new MalformedNitroDocument('payload is not a map');
  const moduleId = payload.get('module_id');
  const digest = payload.get('digest');
  const timestamp = safeInteger(payload.get('timestamp'));
  const cabundle = payload.get('cabundle');
  if (typeof moduleId !== 'string' || moduleId.length === 0) throw new MalformedNitroDocument('no module_id');
  if (digest !== 'SHA384') throw new MalformedNitroDocument('digest is not SHA384');
  if (typeof timestamp !== 'number' || timestamp <= 0) throw new MalformedNitroDocument('no timestamp');
  if (!Array.isArray(cabundle) || cabundle.length === 0) throw new MalformedNitroDocument('empty cabundle');
  return {
    moduleId,
    digest,
    timestamp,
    pcrs: readPcrs(payload),
    certificate: bytes(payload.get('certificate'), 'certificate'),
    cabundle: cabundle.map((entry) => bytes(entry, 'cabundle entry')),
    publicKey: optionalBytes(payload, 'public_key'),
    userData: optionalBytes(payload, 'user_data'),
    nonce: optionalBytes(payload, 'nonce'),
  };
}

function readPcrs(payload: CborMap): Map<number, Uint8Array> {
  const raw = payload.get('pcrs');
  if (!(raw instanceof Map) || raw.size === 0 || raw.size > 32) throw new MalformedNitroDocument('bad pcrs');
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, value] of raw) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 31) {
      throw new MalformedNitroDocument('bad PCR index');
    }
    const digest = bytes(value, `PCR${index}`);
    if (!PCR_LENGTHS.includes(digest.length)) throw new MalformedNitroDocument(`bad PCR${index} length`);
    pcrs.set(index, digest);
  }
  if (!pcrs.has(0)) throw new MalformedNitroDocument('no PCR0');
  return pcrs;
}

function optionalBytes(payload: CborMap, key: string): Uint8Array | null {
  const value = payload.get(key);
  return value === undefined || value === null ? null : bytes(value, key);
}

/** CBOR decoders hand back 64-bit integers (a millisecond timestamp) as bigints. */
function safeInteger(value: CborValue): CborValue {
  return typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function bytes(value: CborValue, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MalformedNitroDocument(`${what} is not a byte string`);
  return value;
}
