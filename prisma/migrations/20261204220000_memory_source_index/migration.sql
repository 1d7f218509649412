-- The memory job asks, for every user message, whether facts were already stored from it (and a forget or an
-- export may look memories up by their source message): without an index that is a scan of every memory of every
-- user, once per message (issue 12: 59k sequential scans in a 10-minute soak).
CREATE INDEX "Memory_sourceMessageId_idx" ON "Memory"("sourceMessageId");
