import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { HealerService } from './healer.service';

void runService('healer', () =>
  NestFactory.createApplicationContext(WorkerModule.for('healer', (config, log, registry) => HealerService.start(config, log, registry)), { bufferLogs: true }),
);
