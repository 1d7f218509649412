import { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { RedisModule } from '@app/redis';

/** A Nest context over the run's real database and Redis, with the given modules and providers. */
export async function createContext(
  imports: (Type | DynamicModule)[],
  providers: Type[] = [],
  overrides: Record<string, string> = {},
): Promise<INestApplicationContext> {
  const config = AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides });
  class TestRootModule {}
  const root: DynamicModule = {
    module: TestRootModule,
    imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, ...imports],
    providers,
  };
  return NestFactory.createApplicationContext(root, { logger: ['error', 'warn'] });
}
