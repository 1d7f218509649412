// `npm run admin:grant -- HANDLE [--revoke]`: makes an account an admin (or takes it back). The api never grants the
// role (a sign-up cannot ask for it): whoever runs the platform does, with access to its database, as here. An admin
// revokes any node (a suspect node's key needs one) and moderates personas (docs/api.md, docs/network.md).
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';

export const USAGE = 'Usage: npm run admin:grant -- HANDLE [--revoke]   (DATABASE_URL names the database)';

export async function grantAdmin(
  prisma: PrismaService,
  handle: string,
  revoke = false,
): Promise<{ handle: string; role: string } | null> {
  const user = await prisma.user.findUnique({ where: { handle } });
  if (!user) return null;
  // Taking the role back leaves a consumer: the account keeps its data, not its powers.
  const role = revoke ? (user.role === 'admin' ? 'consumer' : user.role) : 'admin';
  const updated = await prisma.user.update({ where: { id: user.id }, data: { role } });
  return { handle: updated.handle, role: updated.role };
}

async function main(argv: string[]): Promise<number> {
  const revoke = argv.includes('--revoke');
  const handles = argv.filter((arg) => !arg.startsWith('--'));
  if (handles.length !== 1 || argv.some((arg) => arg.startsWith('--') && arg !== '--revoke')) {
    console.error(USAGE);
    return 2;
  }
  const prisma = new PrismaService(AppConfig.fromProcessEnv());
  try {
    const result = await grantAdmin(prisma, handles[0] ?? '', revoke);
    if (!result) {
      console.error(`No account with the handle "${handles[0]}".`);
      return 1;
    }
    console.log(`${result.handle} is now ${result.role}.`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`admin:grant failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
