import { recoverDigestSigner, signDigest } from '@app/receipts/secp256k1';
import { createHash } from 'node:crypto';
import { getAddress, keccak256, toUtf8Bytes, type Wallet } from 'ethers';

/**
 * The gateway's word, signed by its node key, that it forwarded this private request from this relay (docs/privacy.md):
 * the api counts a request for a relay and a gateway only with it. It names the request by its token (spent once), so
 * a signature cannot be counted twice.
 */
export const GATEWAY_PROOF_HEADER = 'twinproof-gateway-proof';

function proofDigest(nodeId: string, relayId: string, authorization: string): string {
  const token = createHash('sha256').update(authorization).digest('hex');
  return keccak256(toUtf8Bytes(`twinproof-private-request\n${nodeId}\n${relayId}\n${token}`));
}

export function signGatewayProof(
  key: Wallet,
  nodeId: string,
  relayId: string,
  authorization: string,
): string {
  return signDigest(key, proofDigest(nodeId, relayId, authorization));
}

/** Whether `proof` is `nodeAddress`'s signature over this request; never throws. */
export function checkGatewayProof(
  proof: string,
  nodeAddress: string,
  fields: { nodeId: string; relayId: string; authorization: string },
): boolean {
  try {
    const signer = recoverDigestSigner(
      proofDigest(fields.nodeId, fields.relayId, fields.authorization),
      proof,
    );
    return signer !== null && signer === getAddress(nodeAddress);
  } catch {
    return false;
  }
}
