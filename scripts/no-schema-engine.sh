#!/bin/sh
# Prisma's CLI looks for its native schema engine even for `prisma generate`, which does not need it. This
# machine cannot download the engine, so PRISMA_SCHEMA_ENGINE_BINARY points here: if something really calls
# the engine (migrate dev, db push), it learns why it is missing instead of hanging on a download.
echo "The Prisma schema engine is not installed here. Apply migrations with: npm run db:migrate" >&2
exit 1
