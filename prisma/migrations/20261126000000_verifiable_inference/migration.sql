-- Receipts for personas that ask for no verification are signed and kept, but no proof jobs run for them.
ALTER TYPE "InferenceStatus" ADD VALUE 'unverified';

-- The level is copied from the pinned persona version so jobs and the reconciler need no join to decide.
ALTER TABLE "InferenceRecord" ADD COLUMN "verification" "VerificationLevel" NOT NULL DEFAULT 'none';
