import pino, { type Logger, type LoggerOptions } from 'pino';
import type { RuntimeConfig } from './config';

/** Structured logging for every service: JSON in production, pretty on a terminal. */
export function loggerOptions(service: string, config: Pick<RuntimeConfig, 'logLevel' | 'logFormat' | 'namespace'>): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service, ns: config.namespace },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    ...(config.logFormat === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,ns' } } }
      : {}),
  };
}

export function createLogger(service: string, config: Pick<RuntimeConfig, 'logLevel' | 'logFormat' | 'namespace'>): Logger {
  return pino(loggerOptions(service, config));
}

export type { Logger };
