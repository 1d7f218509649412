-- The model hub (docs/hub.md). The first schema's HubModel and HubModelVersion were placeholders no code ever wrote;
-- they are replaced by the hub's own tables.
DROP TABLE "HubModelVersion";
DROP TABLE "HubModel";

CREATE TABLE "HubModel" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "publisherId" UUID NOT NULL,
    "task" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "license" TEXT NOT NULL,
    "precision" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "datasets" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "bytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "familyId" TEXT,
    "derivedFrom" TEXT,
    "derivation" TEXT,
    "hiddenAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "HubModel_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "HubModel_slug_key" ON "HubModel"("slug");
CREATE INDEX "HubModel_publisherId_idx" ON "HubModel"("publisherId");
CREATE INDEX "HubModel_sha256_idx" ON "HubModel"("sha256");
CREATE INDEX "HubModel_derivedFrom_idx" ON "HubModel"("derivedFrom");
ALTER TABLE "HubModel" ADD CONSTRAINT "HubModel_publisherId_fkey" FOREIGN KEY ("publisherId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "HubModelVersion" (
    "id" UUID NOT NULL,
    "modelId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "manifest" JSONB NOT NULL,
    "manifestDigest" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "signer" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "artifactStored" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "HubModelVersion_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "HubModelVersion_manifestDigest_key" ON "HubModelVersion"("manifestDigest");
CREATE UNIQUE INDEX "HubModelVersion_modelId_version_key" ON "HubModelVersion"("modelId", "version");
CREATE INDEX "HubModelVersion_sha256_idx" ON "HubModelVersion"("sha256");
ALTER TABLE "HubModelVersion" ADD CONSTRAINT "HubModelVersion_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "HubModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "HubPublisherKey" (
    "userId" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "HubPublisherKey_pkey" PRIMARY KEY ("userId")
);
CREATE UNIQUE INDEX "HubPublisherKey_address_key" ON "HubPublisherKey"("address");
ALTER TABLE "HubPublisherKey" ADD CONSTRAINT "HubPublisherKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "HubPin" (
    "nodeId" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "pinnedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "HubPin_pkey" PRIMARY KEY ("nodeId","sha256")
);
CREATE INDEX "HubPin_sha256_idx" ON "HubPin"("sha256");
ALTER TABLE "HubPin" ADD CONSTRAINT "HubPin_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
