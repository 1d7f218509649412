import type { Quote } from '@phala/dcap-qvl';
import { bytesToHex } from './policy';

export interface ReportFacts {
  /** MRTD for TDX, MRENCLAVE for SGX. */
  measurement: string;
  reportData: Uint8Array;
  details: Record<string, string>;
}

export function describeReport(quote: Quote): ReportFacts {
  const td = quote.report.asTd10();
  if (td) {
    return {
      measurement: bytesToHex(td.mrTd),
      reportData: td.reportData,
      details: {
        rtmr0: bytesToHex(td.rtMr0),
        rtmr1: bytesToHex(td.rtMr1),
        rtmr2: bytesToHex(td.rtMr2),
        rtmr3: bytesToHex(td.rtMr3),
        mrConfigId: bytesToHex(td.mrConfigId),
        mrOwner: bytesToHex(td.mrOwner),
        mrOwnerConfig: bytesToHex(td.mrOwnerConfig),
        mrSeam: bytesToHex(td.mrSeam),
        tdAttributes: bytesToHex(td.tdAttributes),
        xfam: bytesToHex(td.xfam),
        teeTcbSvn: bytesToHex(td.teeTcbSvn),
        reportData: bytesToHex(td.reportData),
      },
    };
  }
  const enclave = quote.report.asSgx();
  if (!enclave) throw new Error(`unsupported report body ${quote.report.type}`);
  return {
    measurement: bytesToHex(enclave.mrEnclave),
    reportData: enclave.reportData,
    details: {
      mrSigner: bytesToHex(enclave.mrSigner),
      isvProdId: String(enclave.isvProdId),
      isvSvn: String(enclave.isvSvn),
      attributes: bytesToHex(enclave.attributes),
      reportData: bytesToHex(enclave.reportData),
    },
  };
}
