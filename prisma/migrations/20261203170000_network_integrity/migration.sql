-- Takeover mid-reply, spot checks and a persona's minimum of independent operators (docs/network.md).
ALTER TYPE "InferenceStatus" ADD VALUE 'disputed';
ALTER TYPE "NodeStatus" ADD VALUE 'suspect';

ALTER TABLE "Persona" ADD COLUMN "minOperators" INTEGER NOT NULL DEFAULT 1;

ALTER TABLE "InferenceRecord" ADD COLUMN "prefixNodeId" UUID,
ADD COLUMN "prefixBytes" INTEGER;

CREATE TYPE "SpotCheckStatus" AS ENUM ('pending', 'matched', 'disputed', 'skipped');

CREATE TABLE "SpotCheck" (
    "id" UUID NOT NULL,
    "inferenceId" UUID NOT NULL,
    "checkerNodeId" UUID,
    "status" "SpotCheckStatus" NOT NULL DEFAULT 'pending',
    "outputHash" TEXT,
    "reason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "checkedAt" TIMESTAMP(3),

    CONSTRAINT "SpotCheck_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "SpotCheck_inferenceId_key" ON "SpotCheck"("inferenceId");
CREATE INDEX "SpotCheck_status_createdAt_idx" ON "SpotCheck"("status", "createdAt");

ALTER TABLE "SpotCheck" ADD CONSTRAINT "SpotCheck_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "InferenceRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SpotCheck" ADD CONSTRAINT "SpotCheck_checkerNodeId_fkey" FOREIGN KEY ("checkerNodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;
