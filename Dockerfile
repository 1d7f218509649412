# One image for every process role; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts/no-schema-engine.sh ./scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
# DATA_DIR holds the keys that must survive restarts (node key, dev attestation CA); mount a volume there.
ENV NODE_ENV=production DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
# The processes run as `node`: the data directory must exist and be theirs (a new named volume takes this owner).
# /operators: where compose's one-off `operators` service writes the node containers' operator keys.
RUN mkdir -p /data /operators && chown node:node /data /operators && chmod 0700 /data /operators
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
