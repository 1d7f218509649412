import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { content, DerError, isTime, readTime, readTlv } from './der';
import { validityRefusal } from './policy';

interface ParsedCrl {
  tbsCertList: Uint8Array;
  signatureDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const ECDSA_WITH_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');

/**
 * Checks that a CRL was signed by `issuer` and is current at `now`. dcap-qvl looks up serial numbers in the
 * CRLs it is given but never checks who signed them or whether they are stale, so without this a
 * collateral supplier could hide a revocation behind an old or forged CRL.
 */
export function crlRefusal(name: string, der: Uint8Array, issuer: X509Certificate, now: Date): string | null {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(der);
  } catch (error) {
    return `malformed collateral: ${name} is not a DER CRL (${error instanceof DerError ? error.message : 'unreadable'})`;
  }
  if (!verifySignature('sha256', crl.tbsCertList, issuer.publicKey, crl.signatureDer)) {
    return `collateral signature invalid: ${name} is not signed by ${issuer.subject.split('\n')[0]}`;
  }
  return validityRefusal(name, crl.thisUpdate, crl.nextUpdate, now);
}

/** The thisUpdate / nextUpdate window of a DER CRL, or null when it cannot be read. */
export function crlWindow(der: Uint8Array | null): { thisUpdate: Date; nextUpdate: Date } | null {
  if (der === null) return null;
  try {
    const { thisUpdate, nextUpdate } = parseCrl(der);
    return { thisUpdate, nextUpdate };
  } catch {
    return null;
  }
}

function parseCrl(der: Uint8Array): ParsedCrl {
  const outer = readTlv(der, 0, SEQUENCE);
  if (outer.end !== der.length) throw new DerError('trailing bytes after CRL');
  const tbs = readTlv(der, outer.contentStart, SEQUENCE);
  const algorithm = readTlv(der, tbs.end, SEQUENCE);
  if (!Buffer.from(content(der, algorithm)).equals(ECDSA_WITH_SHA256)) {
    throw new DerError('CRL is not signed with ecdsa-with-SHA256');
  }
  const signature = content(der, readTlv(der, algorithm.end, BIT_STRING));
  if (signature[0] !== 0) throw new DerError('CRL signature has unused bits');

  // TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature, issuer, thisUpdate, nextUpdate, ... }
  let field = readTlv(der, tbs.contentStart);
  if (field.tag === INTEGER) field = readTlv(der, field.end);
  const issuerName = readTlv(der, field.end, SEQUENCE);
  const thisUpdate = readTlv(der, issuerName.end);
  const nextUpdate = readTlv(der, thisUpdate.end);
  if (!isTime(thisUpdate) || !isTime(nextUpdate)) throw new DerError('CRL has no nextUpdate');
  return {
    tbsCertList: der.subarray(tbs.start, tbs.end),
    signatureDer: signature.subarray(1),
    thisUpdate: readTime(der, thisUpdate),
    nextUpdate: readTime(der, nextUpdate),
  };
}
