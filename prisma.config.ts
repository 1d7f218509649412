import { defineConfig } from 'prisma/config';

// Prisma's CLI reads this file; the application reads its settings through @app/config.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/twinproof' },
});
