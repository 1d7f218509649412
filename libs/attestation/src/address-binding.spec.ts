import { Wallet } from 'ethers';
import { addressFromNitroField, addressFromReportData, reportDataForAddress } from './address-binding';

describe('address binding conventions', () => {
  const address = Wallet.createRandom().address;

  it('round-trips a node address through DCAP REPORTDATA', () => {
    const reportData = reportDataForAddress(address.toLowerCase());

    expect(reportData).toHaveLength(64);
    expect(addressFromReportData(reportData)).toBe(address);
  });

  it('reads no address from REPORTDATA whose padding is not zero, or that is all zero', () => {
    const reportData = reportDataForAddress(address);
    reportData[63] = 1;

    expect(addressFromReportData(reportData)).toBeNull();
    expect(addressFromReportData(new Uint8Array(64))).toBeNull();
  });

  it('reads a Nitro user_data of 20 raw bytes or of 0x text, and nothing else', () => {
    expect(addressFromNitroField(Buffer.from(address.slice(2), 'hex'))).toBe(address);
    expect(addressFromNitroField(Buffer.from(address.toLowerCase()))).toBe(address);
    expect(addressFromNitroField(Buffer.from('hello'))).toBeNull();
    expect(addressFromNitroField(null)).toBeNull();
  });
});
