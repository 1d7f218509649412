import { getAddress, isHexString, ZeroAddress } from 'ethers';

const ADDRESS_BYTES = 20;
const REPORT_DATA_BYTES = 64;

/**
 * Our DCAP convention: REPORTDATA (64 bytes) = node address (20 bytes) ‖ 44 zero bytes. The zero padding is what
 * distinguishes a binding from arbitrary report data; an all-zero field binds nothing.
 */
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

/**
 * Nitro's user_data / public_key are free-form: we read an address when the field is exactly 20 raw bytes or
 * the UTF-8 text of a 0x address; anything else (a DER public key, a hash) binds no address.
 */
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
