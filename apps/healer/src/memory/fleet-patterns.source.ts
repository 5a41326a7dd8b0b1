import { Pool } from 'pg';
import { isHealingAction, type HealingAction } from '@immune/contracts';
import type { FleetPatterns, PatternCount } from '@immune/domain-healing';

/**
 * Fleet-wide immune memory for ordering actions, read from the `healing_patterns` read model (the projector
 * builds it from the log) and refreshed in the background. Choice: PostgreSQL rather than a second copy kept
 * from the log — every healer instance then orders actions alike, and a restart costs one small query instead
 * of a replay. The projector's lag only delays what the fleet learned; the agent's own failures come from its
 * event stream (the agent aggregate), so a healing never retries an action that just failed.
 */
export class FleetPatternsSource {
  private current: FleetPatterns = {};
  private timer: NodeJS.Timeout | null = null;
  private readonly table: string;
  private readonly agents: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly refreshMs: number,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."healing_patterns"`;
    this.agents = `"${schema.replace(/"/g, '""')}"."agents"`;
  }

  /**
   * Agents whose automatic quarantine waits with healing idle (e.g. held back by a posture that has just been
   * lifted): candidates the healer looks at again. The domain decides; this only finds them.
   */
  async idleQuarantined(limit = 10_000): Promise<string[]> {
    try {
      const res = await this.pool.query<{ agent_id: string }>(
        `SELECT agent_id FROM ${this.agents}
          WHERE quarantined AND doc->'quarantine'->>'healing' = 'idle' AND doc->'quarantine'->>'healMode' = 'automatic'
          ORDER BY agent_id LIMIT $1`,
        [limit],
      );
      return res.rows.map((r) => r.agent_id);
    } catch (e) {
      this.onError(e);
      return [];
    }
  }

  static create(databaseUrl: string, schema: string, refreshMs: number, onError?: (e: unknown) => void): FleetPatternsSource {
    const pool = new Pool({ connectionString: databaseUrl, max: 1 });
    pool.on('error', () => undefined);
    return new FleetPatternsSource(pool, schema, refreshMs, onError);
  }

  get(): FleetPatterns {
    return this.current;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    try {
      const res = await this.pool.query<{ diagnosis: string; action: string; successes: number; failures: number }>(
        `SELECT diagnosis, action, successes, failures FROM ${this.table}`,
      );
      const next: Record<string, Partial<Record<HealingAction, PatternCount>>> = {};
      for (const r of res.rows) {
        if (!isHealingAction(r.action)) continue;
        (next[r.diagnosis] ??= {})[r.action] = { successes: Number(r.successes), failures: Number(r.failures) };
      }
      this.current = next;
    } catch (e) {
      // No table yet (first start before migrations) or PostgreSQL away: keep what we had; ladders still work.
      this.onError(e);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pool.end().catch(() => undefined);
  }
}
