import type { NatsConnection } from '@nats-io/transport-node';
import type { SqlRunner } from '../common/sql';

export type CheckState = 'ok' | string;

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: { nats: CheckState; postgres: CheckState; services: Record<string, CheckState> };
  posture: string;
}

/** Whether a service has sent a heartbeat within `withinMs`. */
export type HeartbeatProbe = (service: string, withinMs: number) => boolean;

const CHECK_TIMEOUT_MS = 2_000;

/**
 * `GET /ready` (framework-free): NATS answers, PostgreSQL answers `SELECT 1`, and every service the gateway
 * depends on (IMMUNE_READY_SERVICES) has sent a heartbeat within 10 s.
 */
export class Readiness {
  constructor(
    private readonly nc: NatsConnection,
    private readonly sql: SqlRunner,
    private readonly seen: HeartbeatProbe,
    private readonly services: string[],
    private readonly posture: () => Promise<string>,
    private readonly withinMs = 10_000,
  ) {}

  async check(): Promise<ReadinessReport> {
    const [nats, postgres, posture] = await Promise.all([
      this.probe(async () => {
        if (this.nc.isClosed()) throw new Error('connection closed');
        await this.nc.rtt();
      }),
      this.probe(async () => {
        await this.sql.query('SELECT 1');
      }),
      this.posture().catch(() => 'unknown'),
    ]);
    const services: Record<string, CheckState> = {};
    for (const s of this.services) {
      services[s] = this.seen(s, this.withinMs) ? 'ok' : `no heartbeat within ${Math.round(this.withinMs / 1000)} s`;
    }
    const ready = nats === 'ok' && postgres === 'ok' && Object.values(services).every((v) => v === 'ok');
    return { status: ready ? 'ready' : 'not_ready', checks: { nats, postgres, services }, posture };
  }

  private async probe(run: () => Promise<void>): Promise<CheckState> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return 'ok';
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** IMMUNE_READY_SERVICES, default `quarantine,projector,telemetry,sentinel,healer,escalation`. */
export function readyServices(env: NodeJS.ProcessEnv): string[] {
  const raw = env['IMMUNE_READY_SERVICES'] ?? 'quarantine,projector,telemetry,sentinel,healer,escalation';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
