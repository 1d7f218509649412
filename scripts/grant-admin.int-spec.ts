import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { randomUUID } from 'node:crypto';
import { grantAdmin } from './grant-admin';

describe('npm run admin:grant (PostgreSQL)', () => {
  const prisma = new PrismaService(AppConfig.fromProcessEnv());
  afterAll(() => prisma.$disconnect());

  it('makes an account an admin, takes it back to consumer, and says when there is no such account', async () => {
    const handle = `grant-${randomUUID().slice(0, 8)}`;
    await prisma.user.create({ data: { handle, role: 'operator' } });
    expect(await grantAdmin(prisma, handle)).toEqual({ handle, role: 'admin' });
    expect((await prisma.user.findUniqueOrThrow({ where: { handle } })).role).toBe('admin');
    expect(await grantAdmin(prisma, handle, true)).toEqual({ handle, role: 'consumer' });
    expect(await grantAdmin(prisma, `missing-${randomUUID()}`)).toBeNull();
  });
});
