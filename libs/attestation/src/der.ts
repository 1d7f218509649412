// Just enough DER (X.690) reading to authenticate the CRLs in DCAP collateral, which dcap-qvl only parses.

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  end: number;
}

export class DerError extends Error {}

export function readTlv(bytes: Uint8Array, offset: number, expectedTag?: number): Tlv {
  if (offset + 2 > bytes.length) throw new DerError('truncated DER');
  const tag = bytes[offset];
  if (expectedTag !== undefined && tag !== expectedTag) {
    throw new DerError(`expected DER tag 0x${expectedTag.toString(16)}, found 0x${tag.toString(16)}`);
  }
  let length = bytes[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + bytes[contentStart + index];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new DerError('DER length exceeds the input');
  return { tag, start: offset, contentStart, end };
}

export function content(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

export function isTime(tlv: Tlv): boolean {
  return tlv.tag === UTC_TIME || tlv.tag === GENERALIZED_TIME;
}

/** RFC 5280 §4.1.2.5: UTCTime years 50–99 are 19xx; both forms are Zulu with seconds. */
export function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(content(bytes, tlv)).toString('ascii');
  const match = tlv.tag === UTC_TIME ? /^(\d{2})(\d{10})Z$/.exec(text) : /^(\d{4})(\d{10})Z$/.exec(text);
  if (!match || !isTime(tlv)) throw new DerError('unsupported DER time');
  const year =
    match[1].length === 2 ? (Number(match[1]) >= 50 ? 1900 : 2000) + Number(match[1]) : Number(match[1]);
  const [month, day, hour, minute, second] = match[2].match(/\d{2}/g)?.map(Number) ?? [];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}
