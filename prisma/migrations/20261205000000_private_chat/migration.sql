-- Private chat through Oblivious HTTP (docs/privacy.md).
-- A user made by redeeming a Privacy Pass token: a session linked to no account.
ALTER TABLE "User" ADD COLUMN "anonymous" BOOLEAN NOT NULL DEFAULT false;

-- The node's gateway keys as the node signed them: { keyConfig, signature, expiresAt }.
ALTER TABLE "Node" ADD COLUMN "ohttpKeys" JSONB;

CREATE TABLE "Relay" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "operatorId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "Relay_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Relay_url_key" ON "Relay"("url");
CREATE INDEX "Relay_operatorId_idx" ON "Relay"("operatorId");
ALTER TABLE "Relay" ADD CONSTRAINT "Relay_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "RelayTrafficHour" (
    "relayId" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "RelayTrafficHour_pkey" PRIMARY KEY ("relayId","nodeId","hour")
);
CREATE INDEX "RelayTrafficHour_hour_idx" ON "RelayTrafficHour"("hour");
ALTER TABLE "RelayTrafficHour" ADD CONSTRAINT "RelayTrafficHour_relayId_fkey" FOREIGN KEY ("relayId") REFERENCES "Relay"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RelayTrafficHour" ADD CONSTRAINT "RelayTrafficHour_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
