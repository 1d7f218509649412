// Kept in code so the api and the offline verifier need no artifact on disk; receipt-anchor.abi.spec.ts catches drift.
import { Interface } from 'ethers';

export const RECEIPT_ANCHOR_ABI = [
  'constructor()',
  'function anchor(uint256 batchId, bytes32 root, uint32 count, string uri)',
  'function anchoredAt(bytes32 root) view returns (uint64 blockNumber)',
  'function batchRoot(uint256 batchId) view returns (bytes32 root)',
  'function isAnchorer(address account) view returns (bool allowed)',
  'function owner() view returns (address)',
  'function setAnchorer(address account, bool allowed)',
  'function transferOwnership(address newOwner)',
  'event Anchored(uint256 indexed batchId, bytes32 indexed root, uint32 count, string uri)',
  'event AnchorerSet(address indexed account, bool allowed)',
  'event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)',
  'error NotAuthorized(address caller)',
  'error ZeroRoot()',
  'error EmptyBatch()',
  'error ZeroAddress()',
  'error RootAlreadyAnchored(bytes32 root, uint64 blockNumber)',
  'error BatchAlreadyAnchored(uint256 batchId, bytes32 root)',
] as const;

export const receiptAnchorInterface = new Interface(RECEIPT_ANCHOR_ABI);
