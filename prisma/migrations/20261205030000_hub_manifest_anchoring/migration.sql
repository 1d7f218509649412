-- Manifest digests go into the settlement batches anchored on chain beside receipts (docs/hub.md): the batch that
-- holds a version's digest, and its inclusion proof once anchored.
ALTER TABLE "HubModelVersion" ADD COLUMN "batchId" UUID;
ALTER TABLE "HubModelVersion" ADD COLUMN "merkleProof" JSONB;
CREATE INDEX "HubModelVersion_batchId_idx" ON "HubModelVersion"("batchId");
ALTER TABLE "HubModelVersion" ADD CONSTRAINT "HubModelVersion_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "SettlementBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;
