import type { GatewayRequest, GatewayResponse } from './http-types';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './problem';

/** Last Express handler: any path no route claimed answers 404 ROUTE.NOT_FOUND as problem+json. */
export function notFoundFallback(req: GatewayRequest, res: GatewayResponse): void {
  const path = (req.originalUrl ?? req.url ?? '/').split('?')[0] ?? '/';
  const problem = buildProblem('ROUTE.NOT_FOUND', `Cannot ${req.method ?? 'GET'} ${path}.`, { instance: path });
  res.status(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
