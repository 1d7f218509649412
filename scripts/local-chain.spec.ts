import { describeChain } from './local-chain';

describe('describeChain (npm start’s “Chain:” line)', () => {
  it('names where the chain is, never the provider key in its URL', () => {
    const anchorContract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    expect(describeChain({ rpcUrl: 'https://mainnet.infura.io/v3/k3y5ecret0123', anchorContract })).toBe(
      `https://mainnet.infura.io/…, ReceiptAnchor ${anchorContract}`,
    );
    expect(
      describeChain({ rpcUrl: 'http://127.0.0.1:8945/?apikey=k3y5ecret0123', anchorContract }),
    ).not.toContain('k3y5ecret0123');
    expect(describeChain({ rpcUrl: 'http://127.0.0.1:8545', anchorContract })).toBe(
      `http://127.0.0.1:8545, ReceiptAnchor ${anchorContract}`,
    );
  });
});
