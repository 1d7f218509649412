import { Matches } from 'class-validator';

/** An EIP-191 personal_sign signature: 65 bytes, 0x-hex. */
export const IsSignature = (): PropertyDecorator =>
  Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be a 65-byte 0x-hex signature' });
