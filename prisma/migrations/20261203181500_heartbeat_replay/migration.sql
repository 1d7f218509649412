-- A signed heartbeat is accepted once: its `at` must be newer than the last accepted one (docs/network.md).
ALTER TABLE "Node" ADD COLUMN "lastSignedHeartbeatAt" TIMESTAMP(3);
