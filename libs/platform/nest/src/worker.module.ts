import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, loadConfig, metricsPort, startMetricsServer, type RuntimeConfig } from '@immune/platform-runtime';
import { immuneLoggerModule } from './logger.module';

export interface ServiceLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface StartedService {
  stop(): Promise<void>;
}

export type ServiceStarter = (config: RuntimeConfig, log: ServiceLog, registry: Registry) => Promise<StartedService>;

const STARTER = Symbol('SERVICE_STARTER');
const NAME = Symbol('SERVICE_NAME');

@Injectable()
class WorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private service: StartedService | null = null;
  private metrics: { close(): Promise<void> } | null = null;

  constructor(
    @Inject(PinoLogger) private readonly logger: PinoLogger,
    @Inject(STARTER) private readonly start: ServiceStarter,
    @Inject(NAME) private readonly name: string,
  ) {
    logger.setContext(name);
  }

  async onApplicationBootstrap(): Promise<void> {
    const registry = createMetricsRegistry(this.name);
    const log: ServiceLog = {
      info: (o, m) => this.logger.info(o, m),
      warn: (o, m) => this.logger.warn(o, m),
      error: (o, m) => this.logger.error(o, m),
    };
    this.service = await this.start(loadConfig(), log, registry);
    this.metrics = await startMetricsServer(registry, metricsPort(this.name)).then((server) => {
      this.logger.info({ metricsPort: server.port }, 'metrics served');
      return server;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.service?.stop();
    await this.metrics?.close();
  }
}

/** A Nest module for a service without HTTP routes: starts the framework-free service, serves its metrics. */
@Module({})
export class WorkerModule {
  static for(name: string, start: ServiceStarter): DynamicModule {
    return {
      module: WorkerModule,
      imports: [immuneLoggerModule(name)],
      providers: [{ provide: STARTER, useValue: start }, { provide: NAME, useValue: name }, WorkerLifecycle],
    };
  }
}
