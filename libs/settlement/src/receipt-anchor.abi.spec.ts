import { Interface } from 'ethers';
import { loadArtifact } from './contract-artifact';
import { RECEIPT_ANCHOR_ABI } from './receipt-anchor.abi';

describe('RECEIPT_ANCHOR_ABI', () => {
  it('is exactly the compiled contract’s interface, so calls made from it reach the deployed code', () => {
    const sorted = (iface: Interface) => [...iface.format()].sort();
    expect(sorted(new Interface(RECEIPT_ANCHOR_ABI))).toEqual(
      sorted(new Interface(loadArtifact('ReceiptAnchor').abi)),
    );
  });

  it('has the event and view docs/receipts.md promises to clients', () => {
    const iface = new Interface(RECEIPT_ANCHOR_ABI);
    expect(iface.getEvent('Anchored')?.format('sighash')).toBe('Anchored(uint256,bytes32,uint32,string)');
    expect(iface.getEvent('Anchored')?.inputs.map((input) => input.indexed === true)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(iface.getFunction('anchoredAt')?.format('full')).toBe(
      'function anchoredAt(bytes32 root) view returns (uint64 blockNumber)',
    );
  });
});
