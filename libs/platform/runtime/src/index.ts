export * from './config';
export * from './ids';
export * from './connectivity';
export * from './metrics-server';
export * from './logger';
