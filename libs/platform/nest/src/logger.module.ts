import { LoggerModule } from 'nestjs-pino';
import { loadConfig, loggerOptions } from '@immune/platform-runtime';

/** nestjs-pino configured like every other log line of the service. */
export function immuneLoggerModule(service: string) {
  const config = loadConfig();
  return LoggerModule.forRoot({
    pinoHttp: {
      ...loggerOptions(service, config),
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/ready' || req.url === '/metrics' },
      customProps: () => ({ service }),
    },
  });
}
