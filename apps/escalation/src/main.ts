import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService, WorkerModule } from '@immune/platform-nest';
import { EscalationService } from './escalation.service';

void runService('escalation', () =>
  NestFactory.createApplicationContext(WorkerModule.for('escalation', (config, log, registry) => EscalationService.start(config, log, registry)), { bufferLogs: true }),
);
