import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { TelemetryService } from './telemetry.service';

void runService('telemetry', () =>
  NestFactory.createApplicationContext(WorkerModule.for('telemetry', (config, log, registry) => TelemetryService.start(config, log, registry)), { bufferLogs: true }),
);
