import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { fromBER } from 'asn1js';
import { validityRefusal } from './policy';

interface ParsedCrl {
  tbsCertList: Uint8Array;
  signatureDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

class CrlError extends Error {}

/** dcap-qvl never checks a CRL's signer or age: without this, an old or forged CRL could hide a revocation. */
export function crlRefusal(name: string, der: Uint8Array, issuer: X509Certificate, now: Date): string | null {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(der);
  } catch (error) {
    return `malformed collateral: ${name} is not a DER CRL (${error instanceof CrlError ? error.message : 'unreadable'})`;
  }
  if (!verifySignature('sha256', crl.tbsCertList, issuer.publicKey, crl.signatureDer)) {
    return `collateral signature invalid: ${name} is not signed by ${issuer.subject.split('\n')[0]}`;
  }
  return validityRefusal(name, crl.thisUpdate, crl.nextUpdate, now);
}

export function crlWindow(der: Uint8Array | null): { thisUpdate: Date; nextUpdate: Date } | null {
  if (der === null) return null;
  try {
    const { thisUpdate, nextUpdate } = parseCrl(der);
    return { thisUpdate, nextUpdate };
  } catch {
    return null;
  }
}

/** node:crypto reads certificates but not CRLs, so the RFC 5280 CertificateList comes from @peculiar/asn1-x509. */
function parseCrl(der: Uint8Array): ParsedCrl {
  const asn = fromBER(der);
  if (asn.offset === -1) throw new CrlError('unreadable DER');
  // Bytes past the CRL are covered by no signature.
  if (asn.offset !== der.length) throw new CrlError('trailing bytes after CRL');
  const crl = AsnParser.fromASN(asn.result, CertificateList);
  const { algorithm, parameters } = crl.signatureAlgorithm;
  if (algorithm !== ECDSA_WITH_SHA256 || parameters) {
    throw new CrlError('CRL is not signed with ecdsa-with-SHA256');
  }
  const { thisUpdate, nextUpdate } = crl.tbsCertList;
  if (!nextUpdate) throw new CrlError('CRL has no nextUpdate');
  if (!crl.tbsCertListRaw) throw new CrlError('CRL has no TBSCertList');
  return {
    tbsCertList: new Uint8Array(crl.tbsCertListRaw),
    signatureDer: new Uint8Array(crl.signature),
    thisUpdate: thisUpdate.getTime(),
    nextUpdate: nextUpdate.getTime(),
  };
}
