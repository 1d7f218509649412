import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, UsersService } from '@app/auth';
import { ConfigModule } from '@app/config';
import { DatabaseModule, PrismaService } from '@app/database';
import { PersonasModule, PersonasService } from '@app/personas';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

@Module({ imports: [ConfigModule.forRoot(), DatabaseModule, AuthModule, PersonasModule] })
class SeedModule {}

export interface DemoCreator {
  handle: string;
  apiKey: string;
}

const DEMO_HANDLE = 'demo-creator';

/** So a newcomer can try the API at once; the key goes to a file only its owner can read, never to the log. */
export async function seedDemo(keyFile: string): Promise<DemoCreator> {
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error', 'warn'] });
  try {
    const users = app.get(UsersService);
    const prisma = app.get(PrismaService);
    let demo = readKeyFile(keyFile);
    if (demo) {
      try {
        await users.authenticate(demo.apiKey);
      } catch {
        demo = undefined;
      }
    }
    if (!demo) {
      const existing = await prisma.user.findUnique({ where: { handle: DEMO_HANDLE } });
      const apiKey = existing
        ? (await users.createKey(existing.id, 'npm start')).apiKey
        : (await users.signUp(DEMO_HANDLE, 'creator', { bypassSignupSwitch: true })).apiKey;
      demo = { handle: DEMO_HANDLE, apiKey };
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify(demo, null, 2) + '\n', { mode: 0o600 });
      chmodSync(keyFile, 0o600);
    }
    const creator = await users.authenticate(demo.apiKey);
    const personas = await prisma.persona.count({ where: { ownerId: creator.id } });
    if (personas === 0) {
      await app.get(PersonasService).create(creator, {
        name: 'Ada',
        description: 'A patient mathematician from the 1840s who loves explaining engines and poetry alike.',
        personality: 'curious, precise, warm',
        scenario: 'You meet Ada in her study, among notes on the Analytical Engine.',
        firstMessage: 'Good day! Shall we talk about engines that weave algebra like looms weave flowers?',
        tags: ['demo', 'history', 'mathematics'],
        // Every reply gets a signed receipt, an attestation check and an on-chain anchor: the product's promise.
        verification: 'zk',
        lorebook: [
          {
            keys: ['engine', 'babbage'],
            content: 'Ada wrote the first published algorithm for the Analytical Engine.',
          },
        ],
      });
    }
    return demo;
  } finally {
    await app.close();
  }
}

function readKeyFile(path: string): DemoCreator | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoCreator>;
    return typeof parsed.apiKey === 'string' && typeof parsed.handle === 'string'
      ? { handle: parsed.handle, apiKey: parsed.apiKey }
      : undefined;
  } catch {
    return undefined;
  }
}
