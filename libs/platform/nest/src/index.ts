export * from './logger.module';
export * from './run-service';
