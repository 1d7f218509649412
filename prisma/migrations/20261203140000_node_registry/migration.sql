-- Operators register nodes (docs/network.md): a revoked node stays listed but is never routed to again, and each
-- node declares where it is hosted and which TEE technology vouches for it.
ALTER TYPE "NodeStatus" ADD VALUE 'revoked';
ALTER TABLE "Node" ADD COLUMN "provider" TEXT,
ADD COLUMN "teeKind" TEXT NOT NULL DEFAULT 'dev';
