import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { ProjectorService } from './projector.service';

// Nest only boots the framework-free ProjectorService, serves its metrics on PROJECTOR_METRICS_PORT (default
// 9103) and stops it gracefully on SIGINT/SIGTERM.
void runService('projector', () =>
  NestFactory.createApplicationContext(
    WorkerModule.for('projector', (config, log, registry) => ProjectorService.start(config, log, registry)),
    { bufferLogs: true },
  ),
);
