-- Receipt v2: inputHash and outputHash commit to the content with a per-inference salt, shown only to the
-- conversation's participants. Null for v1 receipts, whose hashes are unsalted.
ALTER TABLE "InferenceRecord" ADD COLUMN "salt" TEXT;
