import { X509Certificate } from 'node:crypto';
import { collateralOf, PINNED_DATES } from '../test-fixtures/fixtures';
import { crlRefusal, crlWindow } from './crl';
import { pemToDer } from './x509';

const collateral = collateralOf('sgx');
const pckCrl = (): Buffer => Buffer.from(String(collateral.pck_crl), 'hex');
const pckCa = new X509Certificate(pemToDer(String(collateral.pck_crl_issuer_chain))[0]);

describe('DCAP CRLs (@peculiar/asn1-x509)', () => {
  it('accepts the sample PCK CRL from its CA while it is current, and reads its window', () => {
    expect(crlRefusal('PCK CRL', pckCrl(), pckCa, PINNED_DATES.sgx)).toBeNull();
    expect(crlWindow(pckCrl())).toEqual({
      thisUpdate: new Date('2025-06-19T10:23:18Z'),
      nextUpdate: new Date('2025-07-19T10:23:18Z'),
    });
  });

  it('refuses it once nextUpdate has passed', () => {
    expect(crlRefusal('PCK CRL', pckCrl(), pckCa, new Date('2025-07-20T00:00:00Z'))).toBe(
      'PCK CRL expired at 2025-07-19T10:23:18.000Z',
    );
  });

  it('refuses bytes after the CRL, which no signature covers', () => {
    const der = Buffer.concat([pckCrl(), Buffer.from([0x00])]);

    expect(crlRefusal('PCK CRL', der, pckCa, PINNED_DATES.sgx)).toBe(
      'malformed collateral: PCK CRL is not a DER CRL (trailing bytes after CRL)',
    );
    expect(crlWindow(der)).toBeNull();
  });

  it('refuses bytes that are not a CRL at all', () => {
    expect(crlRefusal('PCK CRL', Buffer.from('not a crl'), pckCa, PINNED_DATES.sgx)).toMatch(
      /^malformed collateral: PCK CRL is not a DER CRL \(/,
    );
    expect(crlRefusal('PCK CRL', Buffer.alloc(0), pckCa, PINNED_DATES.sgx)).toMatch(
      /^malformed collateral: PCK CRL is not a DER CRL \(/,
    );
  });
});
