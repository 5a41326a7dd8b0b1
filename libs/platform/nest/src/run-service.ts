import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/**
 * Boots a Nest service: logs through pino, shuts down on SIGINT/SIGTERM, and reports an unreachable dependency
 * (or any start-up failure) as one line on stderr with exit code 1 instead of a stack trace.
 */
export async function runService(service: string, create: () => Promise<INestApplicationContext>, after?: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  let app: INestApplicationContext | undefined;
  try {
    app = await create();
    app.useLogger(app.get(Logger));
    app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
    if (after) await after(app);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${service}: ${message.split('\n')[0]}\n`);
    if (process.env['LOG_LEVEL'] === 'debug' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}
