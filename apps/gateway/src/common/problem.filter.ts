import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { GatewayRequest, GatewayResponse } from './http-types';
import { PROBLEM_CONTENT_TYPE, problemFromError } from './problem';

/** Every error as application/problem+json with a stable code; unexpected ones are logged with their stack. */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('gateway');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    const res = http.getResponse<GatewayResponse>();
    const instance = (req.originalUrl ?? req.url ?? '').split('?')[0];
    const mapped = problemFromError(error, instance);
    if (mapped.unexpected) {
      const cause = (error as { cause?: unknown })?.cause;
      this.logger.error(
        { err: error, cause, method: req.method, url: req.originalUrl },
        `${req.method} ${instance} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(mapped.headers)) res.set(k, v);
    res.status(mapped.problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(mapped.problem));
  }
}
