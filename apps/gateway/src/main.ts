import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runService } from '@immune/platform-nest';
import { loadConfig, metricsPort, startMetricsServer } from '@immune/platform-runtime';
import { AppModule } from './app.module';
import { notFoundFallback } from './common/not-found.fallback';
import { openGatewayContext, SERVICE } from './gateway.context';
import { setupOpenApi } from './openapi/openapi.setup';

/**
 * The gateway: connects NATS and PostgreSQL (one clear line and exit 1 when either is unreachable), migrates,
 * provisions the streams, then serves the API on GATEWAY_PORT until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  await runService(
    SERVICE,
    async () => {
      const ctx = await openGatewayContext({ config });
      try {
        const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(ctx), { bufferLogs: true });
        app.useBodyParser('json', { limit: '1mb' });
        app.use(ctx.metrics.httpMiddleware());
        app.setGlobalPrefix('api/v1', {
          exclude: [
            { path: 'health', method: RequestMethod.GET },
            { path: 'ready', method: RequestMethod.GET },
            { path: 'metrics', method: RequestMethod.GET },
            { path: '/', method: RequestMethod.GET },
          ],
        });
        setupOpenApi(app);
        return app;
      } catch (e) {
        await ctx.close();
        throw e;
      }
    },
    async (context) => {
      const app = context as NestExpressApplication;
      await app.init();
      // Unmatched paths outside /api/v1 answer problem+json too (Nest's own 404 only covers the prefix).
      app.use(notFoundFallback);
      await app.listen(config.gatewayPort);
      const port = metricsPort(SERVICE);
      const ctxMetrics = app.get(AppModuleMetrics);
      void ctxMetrics;
      void port;
      process.stdout.write(`${SERVICE}: listening on http://localhost:${config.gatewayPort}/ (API docs at /api/docs)\n`);
    },
  );
}

void main();
