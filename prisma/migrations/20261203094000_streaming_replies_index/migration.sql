-- The worker's abandoned-reply sweep looks for replies still streaming after the dead-after threshold every few
-- seconds. Only replies in flight are ever in this partial index, so it stays tiny however long history grows.
-- schema.prisma cannot declare a partial index: it is listed in schema-drift.ts's ALLOWED_EXTRA_INDEXES.
CREATE INDEX "Message_streaming_createdAt_idx" ON "Message" ("createdAt") WHERE status = 'streaming';
