export * from './test-env';
export * from './stack';
