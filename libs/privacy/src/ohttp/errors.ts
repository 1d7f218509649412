export type OhttpErrorCode =
  'KEY_CONFIG_INVALID' | 'UNKNOWN_KEY' | 'UNSUPPORTED_SUITE' | 'MALFORMED' | 'DECRYPT_FAILED' | 'TRUNCATED';

export class OhttpError extends Error {
  constructor(
    readonly code: OhttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OhttpError';
  }
}

/** Runs a crypto step and turns whatever the library throws (OpenError, TypeError, …) into one OhttpError. */
export async function asDecryptFailure<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof OhttpError) throw e;
    throw new OhttpError('DECRYPT_FAILED', 'the message could not be decrypted');
  }
}
