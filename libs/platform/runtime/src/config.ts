import { assertNamespace, DEFAULT_NAMESPACE } from '@immune/contracts';

/** The environment of CONTRACT.md, read once and validated. */
export interface RuntimeConfig {
  namespace: string;
  natsServers: string[];
  databaseUrl: string;
  gatewayPort: number;
  logLevel: string;
  logFormat: 'pretty' | 'json';
  commandTimeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const namespace = assertNamespace(env['IMMUNE_NAMESPACE']?.trim() || DEFAULT_NAMESPACE);
  const natsServers = (env['NATS_URL'] || 'nats://127.0.0.1:4222')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const databaseUrl = env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/immune';
  return {
    namespace,
    natsServers,
    databaseUrl,
    gatewayPort: intFromEnv(env, 'GATEWAY_PORT', 8090),
    logLevel: env['LOG_LEVEL'] || 'info',
    logFormat: env['LOG_FORMAT'] === 'json' || env['LOG_FORMAT'] === 'pretty' ? env['LOG_FORMAT'] : process.stdout.isTTY ? 'pretty' : 'json',
    commandTimeoutMs: intFromEnv(env, 'IMMUNE_COMMAND_TIMEOUT_MS', 5000),
  };
}

export function intFromEnv(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key}="${raw}" is not a non-negative integer`);
  return n;
}

/** `<SERVICE>_METRICS_PORT`, 0 = pick a free port. Defaults: gateway-side services from 9101 upward. */
export const METRICS_PORT_DEFAULTS: Record<string, number> = {
  gateway: 9101,
  quarantine: 9102,
  projector: 9103,
  telemetry: 9104,
  sentinel: 9105,
  healer: 9106,
  escalation: 9107,
};

export function metricsPort(service: string, env: NodeJS.ProcessEnv = process.env): number {
  return intFromEnv(env, `${service.toUpperCase()}_METRICS_PORT`, METRICS_PORT_DEFAULTS[service] ?? 0);
}
