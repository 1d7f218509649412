import { X509Certificate } from 'node:crypto';
import { Quote, QuoteVerifier, type VerifiedReport } from '@phala/dcap-qvl';
import { addressFromReportData } from './address-binding';
import type { AttestationPolicy, AttestationVerdict } from './attestation.types';
import { crlWindow } from './crl';
import {
  collateralWindow,
  type DcapCollateral,
  readCollateral,
  revocationListRefusal,
  toBytes,
} from './dcap-collateral';
import { describeReport, type ReportFacts } from './dcap-report';
import { INTEL_SGX_ROOT_CA } from './intel-root';
import { DEFAULT_ACCEPTED_TCB_STATUSES, measurementRefusal } from './policy';
import { errorMessage, rejected } from './verdict';
import { chainValidityRefusal, notAfter, pemToDer } from './x509';

const TEE_TYPE_SGX = 0x00;
const TEE_TYPE_TDX = 0x81;
const PCK_CERT_CHAIN = 5;

const verifier = QuoteVerifier.newWithRootCa(INTEL_SGX_ROOT_CA.raw);

export function verifyDcapQuote(
  kind: 'tdx' | 'sgx',
  document: string,
  collateralInput: unknown,
  policy: AttestationPolicy,
): AttestationVerdict {
  const compact = document.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return rejected(kind, 'malformed document: not base64');
  const raw = Buffer.from(compact, 'base64');
  let quote: Quote;
  try {
    quote = Quote.parse(raw);
  } catch (error) {
    return rejected(kind, `malformed document: not a DCAP quote (${errorMessage(error)})`);
  }
  const teeType = kind === 'tdx' ? TEE_TYPE_TDX : TEE_TYPE_SGX;
  if (quote.header.teeType !== teeType) {
    return rejected(kind, `malformed document: the quote is not a ${kind.toUpperCase()} quote`);
  }
  const report = describeReport(quote);
  const collateral = readCollateral(collateralInput);
  if (typeof collateral === 'string') return rejected(kind, collateral, facts(report));
  const pckChain = pckCertificates(quote, collateral);
  if (pckChain.length === 0)
    return rejected(kind, 'malformed document: no PCK certificate chain', facts(report));

  let verified: VerifiedReport;
  try {
    verified = verifier.verify(raw, collateral, policy.now.getTime() / 1000);
  } catch (error) {
    const reason = libraryRefusal(errorMessage(error), collateral, pckChain, policy.now);
    return rejected(kind, reason, facts(report, collateral, pckChain));
  }
  const known = {
    ...facts(report, collateral, pckChain),
    status: verified.status,
    advisories: verified.advisory_ids,
  };
  const accepted = policy.acceptedTcbStatuses ?? DEFAULT_ACCEPTED_TCB_STATUSES;
  const refusal =
    revocationListRefusal(collateral, pckChain[0], policy.now) ??
    (accepted.includes(verified.status) ? null : `TCB status not accepted: ${verified.status}`) ??
    measurementRefusal(kind, report.measurement, policy);
  return refusal ? rejected(kind, refusal, known) : { ...known, kind, verified: true };
}

function facts(report: ReportFacts, collateral?: DcapCollateral, pckChain: Uint8Array[] = []) {
  return {
    measurement: report.measurement,
    boundAddress: addressFromReportData(report.reportData),
    details: report.details,
    ...(collateral ? { expiresAt: collateralExpiry(collateral, pckChain).toISOString() } : {}),
  };
}

/** dcap-qvl prefers a PCK chain in the collateral (quotes with cert type 3) over the one in the quote. */
function pckCertificates(quote: Quote, collateral: DcapCollateral): Uint8Array[] {
  if (collateral.pck_certificate_chain) return pemToDer(collateral.pck_certificate_chain);
  const certification = quote.authData.intoV3().certificationData;
  if (certification.certType !== PCK_CERT_CHAIN) return [];
  return pemToDer(Buffer.from(certification.body).toString('utf8'));
}

/** The first moment something in the evidence lapses: TCB info, QE identity, a CRL or a certificate. */
function collateralExpiry(collateral: DcapCollateral, pckChain: Uint8Array[]): Date {
  const dates = [
    collateralWindow(collateral.tcb_info)?.nextUpdate,
    collateralWindow(collateral.qe_identity)?.nextUpdate,
    crlWindow(toBytes(collateral.root_ca_crl))?.nextUpdate,
    crlWindow(toBytes(collateral.pck_crl))?.nextUpdate,
    ...allCertificates(collateral, pckChain).map(notAfter),
  ].filter((date): date is Date => date !== undefined);
  return new Date(Math.min(...dates.map((date) => date.getTime())));
}

function allCertificates(collateral: DcapCollateral, pckChain: Uint8Array[]): X509Certificate[] {
  const pems = [
    collateral.tcb_info_issuer_chain,
    collateral.qe_identity_issuer_chain,
    collateral.pck_crl_issuer_chain,
  ];
  return [...pckChain, ...pems.flatMap(pemToDer)].map((der) => new X509Certificate(der));
}

function libraryRefusal(
  message: string,
  collateral: DcapCollateral,
  pckChain: Uint8Array[],
  now: Date,
): string {
  const tcb = collateralWindow(collateral.tcb_info);
  const qe = collateralWindow(collateral.qe_identity);
  switch (message) {
    case 'TCBInfo expired':
      return `TCB info expired at ${tcb?.nextUpdate.toISOString()}`;
    case 'TCBInfo issue date is in the future':
      return `TCB info not yet valid until ${tcb?.issueDate.toISOString()}`;
    case 'QE Identity expired':
      return `QE identity expired at ${qe?.nextUpdate.toISOString()}`;
    case 'QE Identity issue date is in the future':
      return `QE identity not yet valid until ${qe?.issueDate.toISOString()}`;
    case 'Certificate is expired or not yet valid':
      return (
        chainValidityRefusal(allCertificates(collateral, pckChain), now) ??
        'certificate expired or not yet valid'
      );
    case 'Certificate is revoked':
      return 'certificate revoked by the collateral CRL';
    case 'ISV enclave report signature is invalid':
      return 'signature invalid: the quote body does not verify with the attestation key';
    default:
      if (/signature/i.test(message)) return `signature invalid: ${message}`;
      if (message.startsWith('Failed to decode')) return `malformed collateral: ${message}`;
      return `quote rejected: ${message}`;
  }
}
