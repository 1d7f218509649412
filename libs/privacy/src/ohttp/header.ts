import { concat, utf8 } from './bytes';
import { Suite } from './constants';
import { KeyConfig } from './key-config';
import { OhttpError } from './errors';
import { suiteParams, SuiteParams } from './suites';

/** hdr = key_id(8) kem_id(16) kdf_id(16) aead_id(16), RFC 9458 §4.3. */
export const HEADER_LENGTH = 7;

export interface RequestHeader {
  keyId: number;
  kemId: number;
  kdfId: number;
  aeadId: number;
}

export function encodeHeader(h: RequestHeader): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = h.keyId;
  view.setUint16(1, h.kemId);
  view.setUint16(3, h.kdfId);
  view.setUint16(5, h.aeadId);
  return out;
}

export function decodeHeader(bytes: Uint8Array): RequestHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  return { keyId: bytes[0], kemId: view.getUint16(1), kdfId: view.getUint16(3), aeadId: view.getUint16(5) };
}

/** info = label || 0x00 || hdr */
export function requestInfo(label: string, hdr: Uint8Array): Uint8Array {
  return concat(utf8(label), Uint8Array.of(0), hdr);
}

/** The suite the client uses: the one asked for if the gateway offers it, else the first the gateway offers that we support. */
export function chooseSuite(
  config: KeyConfig,
  wanted?: Suite,
): { header: RequestHeader; params: SuiteParams } {
  const offered = wanted
    ? config.suites.filter((s) => s.kdfId === wanted.kdfId && s.aeadId === wanted.aeadId)
    : config.suites;
  for (const s of offered) {
    try {
      const params = suiteParams(config.kemId, s.kdfId, s.aeadId);
      return {
        header: { keyId: config.keyId, kemId: config.kemId, kdfId: s.kdfId, aeadId: s.aeadId },
        params,
      };
    } catch (e) {
      if (!(e instanceof OhttpError)) throw e;
    }
  }
  throw new OhttpError('UNSUPPORTED_SUITE', 'the key configuration offers no suite this client supports');
}

/** The gateway side: the suite must be one this key was published with. */
export function gatewaySuite(config: KeyConfig, header: RequestHeader): SuiteParams {
  const offered = config.suites.some((s) => s.kdfId === header.kdfId && s.aeadId === header.aeadId);
  if (header.kemId !== config.kemId || !offered) {
    throw new OhttpError('UNSUPPORTED_SUITE', 'the request uses a suite this key does not offer');
  }
  return suiteParams(header.kemId, header.kdfId, header.aeadId);
}
