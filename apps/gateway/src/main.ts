import 'reflect-metadata';
import { Logger, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runService } from '@immune/platform-nest';
import { loadConfig } from '@immune/platform-runtime';
import { AppModule } from './app.module';
import { notFoundFallback } from './common/not-found.fallback';
import { dashboardAssets } from './dashboard/dashboard-assets';
import { openGatewayContext } from './gateway.context';
import { SERVICE } from './service-name';
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
        // Vitals may arrive 1000 to a request; every other body is far smaller.
        app.useBodyParser('json', { limit: '8mb' });
        // ETags are ours (agent versions); Express's automatic weak ETags on every body would mislead.
        app.set('etag', false);
        app.disable('x-powered-by');
        app.use(ctx.metrics.httpMiddleware());
        // The dashboard's files and page paths (no key); `/` itself is DashboardHttpController.
        app.use(dashboardAssets().middleware());
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
      new Logger(SERVICE).log(`listening on http://localhost:${config.gatewayPort}/ (API docs at /api/docs)`);
    },
  );
}

void main();
