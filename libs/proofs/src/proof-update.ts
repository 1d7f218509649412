// The event's shape is part of the realtime contract (libs/realtime); re-exported for the proofs' callers.
export type { ProofUpdateEvent } from '@app/realtime';
