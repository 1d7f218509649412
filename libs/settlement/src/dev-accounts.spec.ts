import { HDNodeWallet, Mnemonic } from 'ethers';
import { DEV_ACCOUNTS, DEV_MNEMONIC } from './dev-accounts';

describe('DEV_ACCOUNTS', () => {
  it('are the accounts Hardhat derives from its public mnemonic, so tools and docs agree on them', () => {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
    DEV_ACCOUNTS.forEach((account, index) => {
      const derived = root.deriveChild(index);
      expect(account).toEqual({ address: derived.address, privateKey: derived.privateKey });
    });
  });
});
