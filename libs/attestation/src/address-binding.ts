import { getAddress, isHexString, ZeroAddress } from 'ethers';

const ADDRESS_BYTES = 20;
const REPORT_DATA_BYTES = 64;

/** REPORTDATA = address (20 bytes) ‖ 44 zero bytes: the padding marks a binding; all zeros bind none. */
export function reportDataForAddress(address: string): Uint8Array {
  const reportData = new Uint8Array(REPORT_DATA_BYTES);
  reportData.set(Buffer.from(getAddress(address).slice(2), 'hex'));
  return reportData;
}

export function addressFromReportData(reportData: Uint8Array): string | null {
  if (reportData.length !== REPORT_DATA_BYTES) return null;
  if (reportData.subarray(ADDRESS_BYTES).some((byte) => byte !== 0)) return null;
  return nonZeroAddress(reportData.subarray(0, ADDRESS_BYTES));
}

/** Free-form fields: an address only as exactly 20 raw bytes or the UTF-8 of a 0x address; anything else binds none. */
export function addressFromNitroField(field: Uint8Array | null): string | null {
  if (field === null) return null;
  if (field.length === ADDRESS_BYTES) return nonZeroAddress(field);
  const text = Buffer.from(field).toString('utf8').trim();
  if (!isHexString(text, ADDRESS_BYTES)) return null;
  try {
    return nonZeroAddress(Buffer.from(getAddress(text).slice(2), 'hex'));
  } catch {
    // A mixed-case address with a wrong EIP-55 checksum is a typo, not a binding.
    return null;
  }
}

function nonZeroAddress(bytes: Uint8Array): string | null {
  const address = getAddress(`0x${Buffer.from(bytes).toString('hex')}`);
  return address === ZeroAddress ? null : address;
}
