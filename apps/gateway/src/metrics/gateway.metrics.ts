import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@immune/platform-runtime';

/** The gateway's Prometheus metrics (framework-free): Node defaults, HTTP latency, commands by outcome. */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly commands: Counter<'type' | 'outcome'>;

  constructor(registry: Registry = createMetricsRegistry('gateway')) {
    this.registry = registry;
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests answered by the gateway, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.commands = new Counter({
      name: 'gateway_commands_total',
      help: 'Agent commands sent by the gateway, by command type and outcome (ok, duplicate or an error code)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
  }

  observeCommand = (type: string, outcome: string): void => {
    this.commands.inc({ type, outcome });
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Plain (Express-compatible) middleware timing every request; the route label is the matched route template
   * (never the raw URL, so ids do not explode the label set), `unmatched` for a 404 without a route.
   */
  httpMiddleware() {
    return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const end = this.httpDuration.startTimer();
      res.once('finish', () => {
        const r = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
        const path = typeof r.route?.path === 'string' ? `${r.baseUrl ?? ''}${r.route.path}` : '';
        // A wildcard route is a not-found handler, not a route of the API.
        const template = path && !path.includes('*') ? path : 'unmatched';
        end({ method: req.method ?? 'GET', route: template, status: String(res.statusCode) });
      });
      next();
    };
  }
}
