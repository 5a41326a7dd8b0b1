import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { SentinelService } from './sentinel.service';

void runService('sentinel', () =>
  NestFactory.createApplicationContext(WorkerModule.for('sentinel', (config, log, registry) => SentinelService.start(config, log, registry)), { bufferLogs: true }),
);
