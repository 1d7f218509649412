import { redactRpcUrl, redactRpcUrlIn } from './redact-rpc-url';

// `retryable` is what a queue processor needs: an unreachable or slow chain is worth another attempt (anchoring is
// idempotent); a reverted or conflicting anchor fails the same way every time.
export enum SettlementErrorCode {
  CHAIN_UNREACHABLE = 'CHAIN_UNREACHABLE',
  CONFIRMATION_TIMEOUT = 'CONFIRMATION_TIMEOUT',
  CONTRACT_NOT_DEPLOYED = 'CONTRACT_NOT_DEPLOYED',
  ANCHOR_REVERTED = 'ANCHOR_REVERTED',
  TRANSACTION_REJECTED = 'TRANSACTION_REJECTED',
  BATCH_CONFLICT = 'BATCH_CONFLICT',
  INVALID_ANCHOR_INPUT = 'INVALID_ANCHOR_INPUT',
  WRONG_CHAIN = 'WRONG_CHAIN',
}

export abstract class SettlementError extends Error {
  abstract readonly code: SettlementErrorCode;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Errors reach logs and the URL may hold a key: only the redacted URL is kept, and the cause as redacted text. */
export class ChainUnreachableError extends SettlementError {
  readonly code = SettlementErrorCode.CHAIN_UNREACHABLE;
  readonly retryable = true;
  readonly rpcUrl: string;

  constructor(rpcUrl: string, cause: unknown) {
    super(`The chain at ${redactRpcUrl(rpcUrl)} is unreachable: ${redactRpcUrlIn(describe(cause), rpcUrl)}`);
    this.rpcUrl = redactRpcUrl(rpcUrl);
  }
}

/** The transaction was sent but no receipt with enough confirmations arrived in time; a retry is safe. */
export class ConfirmationTimeoutError extends SettlementError {
  readonly code = SettlementErrorCode.CONFIRMATION_TIMEOUT;
  readonly retryable = true;

  constructor(
    readonly txHash: string,
    timeoutMs: number,
  ) {
    super(`Transaction ${txHash} was not confirmed within ${timeoutMs} ms`);
  }
}

/** No code at the configured address: the wrong address, the wrong chain, or a dev chain that restarted empty. */
export class ContractNotDeployedError extends SettlementError {
  readonly code = SettlementErrorCode.CONTRACT_NOT_DEPLOYED;
  readonly retryable = false;

  constructor(
    readonly contractAddress: string,
    readonly chainId: number,
  ) {
    super(`No ReceiptAnchor contract at ${contractAddress} on chain ${chainId}`);
  }
}

/** The contract refused the transaction; `reason` is the decoded custom error when there is one. */
export class AnchorRevertedError extends SettlementError {
  readonly code = SettlementErrorCode.ANCHOR_REVERTED;
  readonly retryable = false;

  constructor(
    readonly reason: string,
    readonly txHash?: string,
    cause?: unknown,
  ) {
    super(`The anchor transaction reverted: ${reason}${txHash ? ` (${txHash})` : ''}`, { cause });
  }
}

/** Refused before running (nonce taken, fee too low, no funds for gas): conditions that pass or an operator fixes. */
export class TransactionRejectedError extends SettlementError {
  readonly code = SettlementErrorCode.TRANSACTION_REJECTED;
  readonly retryable = true;

  constructor(cause: unknown) {
    super(`The node rejected the transaction: ${describe(cause)}`, { cause });
  }
}

/** The batch id is already anchored with another root: the batch was rebuilt differently after a crash. */
export class BatchConflictError extends SettlementError {
  readonly code = SettlementErrorCode.BATCH_CONFLICT;
  readonly retryable = false;

  constructor(
    readonly batchId: number,
    readonly anchoredRoot: string,
    readonly root: string,
  ) {
    super(`Batch ${batchId} is already anchored with root ${anchoredRoot}, not ${root}`);
  }
}

export class InvalidAnchorInputError extends SettlementError {
  readonly code = SettlementErrorCode.INVALID_ANCHOR_INPUT;
  readonly retryable = false;
}

// fetch says "fetch failed" with the socket error as its cause (name the deepest); ethers' shortMessage leaves out the
// signed transaction. Duck-typed: under jest, Node's http and fetch errors come from another realm.
interface ErrorLike {
  message: string;
  shortMessage?: unknown;
  code?: unknown;
  cause?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string';
}

function describe(cause: unknown): string {
  if (!isErrorLike(cause)) return String(cause);
  const text = (error: ErrorLike) =>
    typeof error.shortMessage === 'string' ? error.shortMessage : error.message;
  let deepest = cause;
  for (let depth = 0; isErrorLike(deepest.cause) && depth < 5; depth++) deepest = deepest.cause;
  const message = deepest === cause ? text(cause) : `${text(cause)}: ${text(deepest)}`;
  const code = deepest.code;
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}
