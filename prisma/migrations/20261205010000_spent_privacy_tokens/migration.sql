-- A Privacy Pass token once spent, by its nonce (docs/privacy.md): durable, so a token pays for one request only, however
-- long ago it was spent and whatever happened to Redis.
CREATE TABLE "SpentPrivacyToken" (
    "nonce" BYTEA NOT NULL,
    "spentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SpentPrivacyToken_pkey" PRIMARY KEY ("nonce")
);
