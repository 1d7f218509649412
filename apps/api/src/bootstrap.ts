import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createRootLogger, createValidationPipe, jsonBody, nestLogger, requestLogging } from '@app/common';
import { AppConfig } from '@app/config';
import { MAX_CARD_JSON_BYTES } from '@app/personas';
import type { DestinationStream } from 'pino';
import { ApiModule } from './api.module';
import { CorsPolicy } from './cors-policy';
import { RedisIoAdapter } from './redis-io.adapter';
import { securityHeaders } from './security-headers';

/**
 * Builds the api exactly as production runs it; main.ts and the e2e tests both call this. Logs go to stdout unless
 * a test gives them another `logDestination`.
 */
export async function createApi(
  config: AppConfig = AppConfig.fromProcessEnv(),
  options: { logDestination?: DestinationStream } = {},
): Promise<INestApplication> {
  const logger = createRootLogger({ ...config.log, app: 'api' }, options.logDestination);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register(config), {
    bodyParser: false,
    logger: nestLogger(logger),
  });
  app.disable('x-powered-by');
  // The client address behind TRUST_PROXY proxy hops (0: the peer itself); rate limits count by it.
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders());
  const cors = new CorsPolicy(config);
  app.enableCors(cors.options);
  app.use(requestLogging(logger));
  // Card imports may be larger than ordinary requests; body-parser skips bodies already parsed.
  app.use('/v1/personas/import', jsonBody(Math.max(MAX_CARD_JSON_BYTES, config.limits.bodyBytes)));
  app.use(jsonBody(config.limits.bodyBytes));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  app.useWebSocketAdapter(new RedisIoAdapter(app, config, cors));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Twinproof API')
      .setDescription('Verifiable AI personas. Errors: { "error": { "code", "message", "details"? } }.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The apiKey from POST /v1/users' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
