import { Wallet } from 'ethers';
import { checkGatewayProof, signGatewayProof } from './gateway-proof';

describe('the gateway’s signed word that it forwarded a private request', () => {
  const node = new Wallet(Wallet.createRandom().privateKey);
  const fields = {
    nodeId: '5e0b1c1e-7a1f-4c59-9a57-2e1d8b3f4a10',
    relayId: 'b7f0f6a2-3c55-4a4e-8f2a-0c7d9e6b1a22',
    authorization: 'PrivateToken token="AAAA"',
  };
  const proof = signGatewayProof(node, fields.nodeId, fields.relayId, fields.authorization);

  it('holds for the node that signed, that relay and that token', () => {
    expect(checkGatewayProof(proof, node.address, fields)).toBe(true);
  });

  it('does not hold for another node, another relay, another token, or garbage', () => {
    expect(checkGatewayProof(proof, Wallet.createRandom().address, fields)).toBe(false);
    expect(checkGatewayProof(proof, node.address, { ...fields, relayId: fields.nodeId })).toBe(false);
    expect(checkGatewayProof(proof, node.address, { ...fields, nodeId: fields.relayId })).toBe(false);
    expect(
      checkGatewayProof(proof, node.address, { ...fields, authorization: 'PrivateToken token="BBBB"' }),
    ).toBe(false);
    expect(checkGatewayProof('0x1234', node.address, fields)).toBe(false);
    expect(checkGatewayProof(proof, 'not an address', fields)).toBe(false);
  });
});
