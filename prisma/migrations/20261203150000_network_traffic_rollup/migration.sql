-- GET /v1/network reports concentration from hourly counters per node (docs/network.md, Concentration), folded in by
-- the worker from InferenceRecord in (createdAt, id) order past a one-row watermark, so no read scans all history.
CREATE TABLE "NodeTrafficHour" (
    "nodeId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "NodeTrafficHour_pkey" PRIMARY KEY ("nodeId","hour")
);

CREATE TABLE "NetworkRollupWatermark" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "lastCreatedAt" TIMESTAMP(3) NOT NULL,
    "lastRecordId" UUID NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NetworkRollupWatermark_pkey" PRIMARY KEY ("id")
);

-- The rollup starts from the beginning of history.
INSERT INTO "NetworkRollupWatermark" ("id", "lastCreatedAt", "lastRecordId", "updatedAt")
VALUES (1, '1970-01-01 00:00:00', '00000000-0000-0000-0000-000000000000', CURRENT_TIMESTAMP);

CREATE INDEX "InferenceRecord_createdAt_id_idx" ON "InferenceRecord"("createdAt", "id");

ALTER TABLE "NodeTrafficHour" ADD CONSTRAINT "NodeTrafficHour_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
