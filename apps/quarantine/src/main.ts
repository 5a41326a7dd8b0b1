import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { QuarantineService } from './quarantine.service';

void runService('quarantine', () =>
  NestFactory.createApplicationContext(WorkerModule.for('quarantine', (config, log, registry) => QuarantineService.start(config, log, registry)), { bufferLogs: true }),
);
