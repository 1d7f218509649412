import { Wallet, type Signer } from 'ethers';
import type { NodeReceipt, ReceiptContext } from '@app/network/inference-node';
import { countPromptTokens } from '@app/prompt/token-budget';
import { estimateTokens } from '@app/inference/model-provider';
import { commitInput, commitText, newReceiptSalt } from '@app/receipts/receipt-hashes';
import { receiptDigest, signReceipt } from '@app/receipts/receipt-signing';
import { NO_PREFIX, RECEIPT_DOMAINS, receiptTypes, type Receipt } from '@app/receipts/receipt.spec-types';
import { NodeReceiptError, verifyNodeReceipt, type ExpectedReceipt } from './verify-node-receipt';

const node = Wallet.createRandom();
const context: ReceiptContext = {
  inferenceId: 'inf-1',
  conversationId: 'conv-1',
  previousDigest: `0x${'11'.repeat(32)}`,
  personaVersionHash: `0x${'22'.repeat(32)}`,
};
const messages = [
  { role: 'system' as const, content: 'You are Ada.' },
  { role: 'user' as const, content: 'Hello?' },
];
const text = 'Hello, I am Ada.';
const expected: ExpectedReceipt = { nodeAddress: node.address, context, modelId: 'embedded', messages, text };

type Overrides = Partial<Receipt> | ((salt: string) => Partial<Receipt>);

async function signed(overrides: Overrides = {}, signer: Signer = node): Promise<NodeReceipt> {
  const salt = newReceiptSalt();
  const receipt: Receipt = {
    ...context,
    node: node.address,
    modelId: 'embedded',
    inputHash: commitInput(salt, messages),
    outputHash: commitText(salt, text),
    promptTokens: countPromptTokens(messages),
    completionTokens: estimateTokens(text),
    startedAt: 1_000,
    finishedAt: 2_000,
    ...NO_PREFIX,
    ...(typeof overrides === 'function' ? overrides(salt) : overrides),
  };
  const signature = await signReceipt(signer, receipt);
  return { nodeId: 'node-1', receipt, digest: receiptDigest(receipt), signature, signer: node.address, salt };
}

function reasonOf(receipt: NodeReceipt, against: ExpectedReceipt = expected): string | undefined {
  try {
    verifyNodeReceipt(receipt, against);
    return undefined;
  } catch (error) {
    if (!(error instanceof NodeReceiptError)) throw error;
    return error.reason;
  }
}

describe('verifyNodeReceipt', () => {
  it('accepts a receipt signed by the node over what was sent and received', async () => {
    expect(reasonOf(await signed())).toBeUndefined();
  });

  it('rejects a receipt signed by another key', async () => {
    expect(reasonOf(await signed({}, Wallet.createRandom()))).toMatch(/signature/);
  });

  it('rejects a receipt from another node than the one registered', async () => {
    expect(reasonOf(await signed(), { ...expected, nodeAddress: Wallet.createRandom().address })).toMatch(
      /registered address/,
    );
  });

  it('rejects a tampered field (the signature no longer covers it)', async () => {
    const receipt = await signed();
    expect(reasonOf({ ...receipt, receipt: { ...receipt.receipt, completionTokens: 1 } })).toMatch(
      /signature/,
    );
  });

  it('rejects a digest that is not the receipt’s', async () => {
    expect(reasonOf({ ...(await signed()), digest: `0x${'33'.repeat(32)}` })).toMatch(/digest/);
  });

  it.each([
    ['inferenceId', { inferenceId: 'inf-2' }],
    ['conversationId', { conversationId: 'conv-2' }],
    ['previousDigest', { previousDigest: `0x${'44'.repeat(32)}` }],
    ['personaVersionHash', { personaVersionHash: `0x${'55'.repeat(32)}` }],
    ['modelId', { modelId: 'other' }],
    ['promptTokens', { promptTokens: 1 }],
    ['completionTokens', { completionTokens: 1 }],
  ])('rejects a signed receipt whose %s is not what was asked', async (field, overrides) => {
    expect(reasonOf(await signed(overrides))).toMatch(field);
  });

  it('rejects commitments to other messages or another text', async () => {
    const receipt = await signed();
    expect(
      reasonOf(receipt, { ...expected, messages: [...messages, { role: 'user', content: 'more' }] }),
    ).toMatch(/inputHash/);
    expect(reasonOf(receipt, { ...expected, text: `${text}!` })).toMatch(/outputHash/);
    expect(reasonOf({ ...receipt, salt: newReceiptSalt() })).toMatch(/inputHash/);
    expect(reasonOf({ ...receipt, salt: '0x12' })).toMatch(/salt/);
  });
});

describe('verifyNodeReceipt: takeovers (receipt v3)', () => {
  const prefixNode = Wallet.createRandom().address;
  const prefix = 'Hello, I';
  const continuation = { prefix, prefixNode };
  // The whole delivered text: the failed node's prefix, then what the finishing node streamed.
  const takenOver: ExpectedReceipt = { ...expected, continuation };
  const takeoverFields = (salt: string) => ({ prefixNode, prefixHash: commitText(salt, prefix) });

  it('accepts a receipt over the whole text that names the prefix node and commits to the prefix', async () => {
    expect(reasonOf(await signed(takeoverFields), takenOver)).toBeUndefined();
  });

  it('rejects a takeover receipt naming another prefix node, or committing to another prefix', async () => {
    const otherNode = await signed((salt) => ({ ...takeoverFields(salt), prefixNode: node.address }));
    expect(reasonOf(otherNode, takenOver)).toMatch(/prefixNode/);
    const otherPrefix = await signed((salt) => ({ prefixNode, prefixHash: commitText(salt, 'Hello, ') }));
    expect(reasonOf(otherPrefix, takenOver)).toMatch(/prefixHash/);
    const noPrefix = await signed();
    expect(reasonOf(noPrefix, takenOver)).toMatch(/prefixNode/);
  });

  it('rejects a takeover receipt whose outputHash covers only what the finishing node streamed', async () => {
    const rest = text.slice(prefix.length);
    const partial = await signed((salt) => ({ ...takeoverFields(salt), outputHash: commitText(salt, rest) }));
    expect(reasonOf(partial, takenOver)).toMatch(/outputHash/);
  });

  it('rejects nonzero prefix fields on a reply that was not taken over', async () => {
    expect(reasonOf(await signed(takeoverFields))).toMatch(/claims a takeover/);
    expect(reasonOf(await signed({ prefixHash: `0x${'66'.repeat(32)}` }))).toMatch(/claims a takeover/);
  });

  it('rejects a v2 receipt: every new receipt is v3', async () => {
    const v2 = await signed();
    const fields: Partial<Receipt> = { ...v2.receipt };
    delete fields.prefixNode;
    delete fields.prefixHash;
    const signature = await node.signTypedData(RECEIPT_DOMAINS[2], receiptTypes(2), fields);
    const asV2 = { ...v2, receipt: fields as Receipt, signature };
    expect(reasonOf(asV2)).toMatch(/v3 receipt/);
  });
});
