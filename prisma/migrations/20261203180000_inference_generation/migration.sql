-- A spot check must re-run a reply exactly as it was asked for: stop sequences and sampling change the output.
ALTER TABLE "InferenceRecord" ADD COLUMN "generation" JSONB;
