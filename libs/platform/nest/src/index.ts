export * from './logger.module';
export * from './run-service';
export * from './worker.module';
