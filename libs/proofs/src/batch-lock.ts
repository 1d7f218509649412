// Serializes batch membership across workers: two receipts never take the same leaf index, and no receipt joins a
// batch that is being sealed. Held only for one short transaction (pg_advisory_xact_lock).
export const BATCH_LOCK_KEY = 72707370;
