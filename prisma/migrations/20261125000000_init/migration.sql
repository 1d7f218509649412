-- Written as `prisma migrate dev` renders prisma/schema.prisma, plus what Prisma cannot express: the pg_trgm
-- extension, the generated tsvector columns behind Persona and Memory search, and the trigger that keeps
-- PersonaVersion immutable. libs/database/src/migrations/schema-drift.int-spec.ts checks it against the schema.

-- CreateExtension
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateFunction
-- Generated columns accept only IMMUTABLE functions, and array_to_string is STABLE (it goes through the element
-- type's output function). For text[] the result cannot change, so this wrapper may promise immutability.
CREATE FUNCTION twinproof_immutable_join(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$;

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('creator', 'consumer', 'operator', 'admin');

-- CreateEnum
CREATE TYPE "Visibility" AS ENUM ('public', 'unlisted', 'private');

-- CreateEnum
CREATE TYPE "VerificationLevel" AS ENUM ('none', 'attested', 'zk');

-- CreateEnum
CREATE TYPE "MessageRole" AS ENUM ('system', 'user', 'assistant');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('streaming', 'complete', 'cancelled', 'failed');

-- CreateEnum
CREATE TYPE "MemoryScope" AS ENUM ('persona', 'user');

-- CreateEnum
CREATE TYPE "MemoryKind" AS ENUM ('fact', 'episode', 'summary');

-- CreateEnum
CREATE TYPE "InferenceStatus" AS ENUM ('pending', 'attested', 'anchored', 'failed');

-- CreateEnum
CREATE TYPE "ProofKind" AS ENUM ('signature', 'attestation', 'merkle', 'zk');

-- CreateEnum
CREATE TYPE "ProofStatus" AS ENUM ('pending', 'verified', 'failed');

-- CreateEnum
CREATE TYPE "BatchStatus" AS ENUM ('open', 'sealed', 'anchored', 'failed');

-- CreateEnum
CREATE TYPE "NodeStatus" AS ENUM ('active', 'draining', 'offline');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "handle" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "name" TEXT NOT NULL DEFAULT 'default',
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Persona" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "ownerId" UUID NOT NULL,
    "visibility" "Visibility" NOT NULL DEFAULT 'public',
    "modelId" TEXT NOT NULL,
    "verification" "VerificationLevel" NOT NULL DEFAULT 'none',
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "searchVector" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce("name", '')), 'A') ||
        setweight(to_tsvector('english', coalesce("description", '')), 'B') ||
        setweight(to_tsvector('simple', twinproof_immutable_join("tags")), 'A')
    ) STORED,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Persona_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PersonaVersion" (
    "id" UUID NOT NULL,
    "personaId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PersonaVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conversation" (
    "id" UUID NOT NULL,
    "personaId" UUID NOT NULL,
    "personaVersionId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "title" TEXT,
    "summary" TEXT,
    "summaryUpToId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "role" "MessageRole" NOT NULL,
    "content" TEXT NOT NULL,
    "status" "MessageStatus" NOT NULL DEFAULT 'complete',
    "clientMessageId" TEXT,
    "seq" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Memory" (
    "id" UUID NOT NULL,
    "personaId" UUID NOT NULL,
    "userId" UUID,
    "scope" "MemoryScope" NOT NULL,
    "kind" "MemoryKind" NOT NULL,
    "content" TEXT NOT NULL,
    "importance" DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    "sourceMessageId" UUID,
    "supersededById" UUID,
    "searchVector" tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce("content", ''))) STORED,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Memory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InferenceRecord" (
    "id" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "nodeId" UUID,
    "modelId" TEXT NOT NULL,
    "status" "InferenceStatus" NOT NULL DEFAULT 'pending',
    "input" JSONB NOT NULL,
    "inputHash" TEXT NOT NULL,
    "outputHash" TEXT NOT NULL,
    "personaVersionHash" TEXT NOT NULL,
    "memoryIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "receipt" JSONB,
    "digest" TEXT,
    "previousDigest" TEXT,
    "signature" TEXT,
    "signer" TEXT,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "ttftMs" INTEGER,
    "totalMs" INTEGER,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "batchId" UUID,
    "leafIndex" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InferenceRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Proof" (
    "id" UUID NOT NULL,
    "inferenceId" UUID NOT NULL,
    "kind" "ProofKind" NOT NULL,
    "status" "ProofStatus" NOT NULL DEFAULT 'pending',
    "data" JSONB,
    "provingMs" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verifiedAt" TIMESTAMP(3),

    CONSTRAINT "Proof_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SettlementBatch" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "status" "BatchStatus" NOT NULL DEFAULT 'open',
    "root" TEXT,
    "count" INTEGER NOT NULL DEFAULT 0,
    "chainId" INTEGER,
    "contract" TEXT,
    "txHash" TEXT,
    "blockNumber" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sealedAt" TIMESTAMP(3),
    "anchoredAt" TIMESTAMP(3),

    CONSTRAINT "SettlementBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "operatorId" UUID,
    "modelIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "region" TEXT,
    "attestationKind" TEXT NOT NULL,
    "attestation" JSONB NOT NULL,
    "measurement" TEXT,
    "status" "NodeStatus" NOT NULL DEFAULT 'active',
    "lastHeartbeatAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeHeartbeat" (
    "id" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outstanding" INTEGER NOT NULL DEFAULT 0,
    "latencyMs" INTEGER,

    CONSTRAINT "NodeHeartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubModel" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "provider" TEXT NOT NULL,
    "ownerId" UUID,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HubModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubModelVersion" (
    "id" UUID NOT NULL,
    "modelId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HubModelVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_handle_key" ON "User"("handle");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_userId_idx" ON "ApiKey"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Persona_slug_key" ON "Persona"("slug");

-- CreateIndex
CREATE INDEX "Persona_ownerId_idx" ON "Persona"("ownerId");

-- CreateIndex
CREATE INDEX "Persona_visibility_createdAt_id_idx" ON "Persona"("visibility", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Persona_tags_idx" ON "Persona" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "Persona_name_trgm_idx" ON "Persona" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "PersonaVersion_hash_idx" ON "PersonaVersion"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "PersonaVersion_personaId_version_key" ON "PersonaVersion"("personaId", "version");

-- CreateIndex
CREATE INDEX "Conversation_userId_personaId_updatedAt_idx" ON "Conversation"("userId", "personaId", "updatedAt");

-- CreateIndex
CREATE INDEX "Message_conversationId_seq_idx" ON "Message"("conversationId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Message_conversationId_clientMessageId_key" ON "Message"("conversationId", "clientMessageId");

-- CreateIndex
CREATE INDEX "Memory_personaId_userId_createdAt_idx" ON "Memory"("personaId", "userId", "createdAt");

-- CreateIndex
CREATE INDEX "Memory_searchVector_idx" ON "Memory" USING GIN ("searchVector");

-- CreateIndex
CREATE UNIQUE INDEX "InferenceRecord_messageId_key" ON "InferenceRecord"("messageId");

-- CreateIndex
CREATE UNIQUE INDEX "InferenceRecord_digest_key" ON "InferenceRecord"("digest");

-- CreateIndex
CREATE INDEX "InferenceRecord_conversationId_createdAt_idx" ON "InferenceRecord"("conversationId", "createdAt");

-- CreateIndex
CREATE INDEX "InferenceRecord_status_idx" ON "InferenceRecord"("status");

-- CreateIndex
CREATE INDEX "InferenceRecord_batchId_idx" ON "InferenceRecord"("batchId");

-- CreateIndex
CREATE UNIQUE INDEX "Proof_inferenceId_kind_key" ON "Proof"("inferenceId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "SettlementBatch_number_key" ON "SettlementBatch"("number");

-- CreateIndex
CREATE INDEX "SettlementBatch_status_createdAt_idx" ON "SettlementBatch"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Node_address_key" ON "Node"("address");

-- CreateIndex
CREATE INDEX "NodeHeartbeat_nodeId_at_idx" ON "NodeHeartbeat"("nodeId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "HubModel_slug_key" ON "HubModel"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "HubModelVersion_modelId_version_key" ON "HubModelVersion"("modelId", "version");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Persona" ADD CONSTRAINT "Persona_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonaVersion" ADD CONSTRAINT "PersonaVersion_personaId_fkey" FOREIGN KEY ("personaId") REFERENCES "Persona"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_personaId_fkey" FOREIGN KEY ("personaId") REFERENCES "Persona"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_personaVersionId_fkey" FOREIGN KEY ("personaVersionId") REFERENCES "PersonaVersion"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_personaId_fkey" FOREIGN KEY ("personaId") REFERENCES "Persona"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_sourceMessageId_fkey" FOREIGN KEY ("sourceMessageId") REFERENCES "Message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_supersededById_fkey" FOREIGN KEY ("supersededById") REFERENCES "Memory"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceRecord" ADD CONSTRAINT "InferenceRecord_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceRecord" ADD CONSTRAINT "InferenceRecord_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceRecord" ADD CONSTRAINT "InferenceRecord_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceRecord" ADD CONSTRAINT "InferenceRecord_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "SettlementBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Proof" ADD CONSTRAINT "Proof_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "InferenceRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Node" ADD CONSTRAINT "Node_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeHeartbeat" ADD CONSTRAINT "NodeHeartbeat_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HubModel" ADD CONSTRAINT "HubModel_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HubModelVersion" ADD CONSTRAINT "HubModelVersion_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "HubModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateFunction
-- Receipts carry a version's hash, so a version must never change once written. DELETE stays allowed so that
-- deleting a persona can cascade to its versions.
CREATE FUNCTION twinproof_refuse_persona_version_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'PersonaVersion % is immutable: publish a new version instead of updating this one', OLD."id"
        USING ERRCODE = 'restrict_violation';
END;
$$;

-- CreateTrigger
CREATE TRIGGER "PersonaVersion_immutable"
    BEFORE UPDATE ON "PersonaVersion"
    FOR EACH ROW EXECUTE FUNCTION twinproof_refuse_persona_version_update();
