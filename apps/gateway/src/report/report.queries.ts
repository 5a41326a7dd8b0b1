import { SEVERITIES, type ReportView, type Severity } from '@immune/contracts';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';
import type { AgentQueries } from '../agents/agent.queries';
import type { PostureSource } from './posture';

interface ReportRow {
  total_quarantined: number | string;
  released: number | string;
  terminated: number | string;
  by_severity: Record<string, number> | null;
  by_source: Record<string, number> | null;
  ended_count: number | string;
  total_duration_seconds: number | string;
}

/** `GET /report`: the `report` read model plus the agents quarantined right now (framework-free). */
export class ReportQueries {
  private readonly table: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
    private readonly agents: AgentQueries,
    private readonly posture: PostureSource,
  ) {
    this.table = tableIn(schema, 'report');
  }

  async get(): Promise<ReportView> {
    const [rows, currentlyQuarantined, posture] = await Promise.all([
      this.sql.query<ReportRow>(
        `SELECT total_quarantined, released, terminated, by_severity, by_source, ended_count, total_duration_seconds
           FROM ${this.table} WHERE id = 1`,
      ),
      this.agents.countQuarantined(),
      this.posture(),
    ]);
    const row = rows[0];
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, toNumber(row?.by_severity?.[s] ?? 0)])) as Record<Severity, number>;
    const bySource: Record<string, number> = {};
    for (const [k, v] of Object.entries(row?.by_source ?? {})) bySource[k] = toNumber(v);
    const ended = toNumber(row?.ended_count ?? 0);
    const report: Omit<ReportView, 'summary'> = {
      totalQuarantined: toNumber(row?.total_quarantined ?? 0),
      currentlyQuarantined,
      released: toNumber(row?.released ?? 0),
      terminated: toNumber(row?.terminated ?? 0),
      bySeverity,
      bySource,
      avgDurationSeconds: ended > 0 ? toNumber(row?.total_duration_seconds ?? 0) / ended : null,
      posture,
    };
    return { ...report, summary: summarize(report) };
  }
}

/** One sentence an operator can read aloud. */
export function summarize(r: Omit<ReportView, 'summary'>): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const now =
    r.currentlyQuarantined === 0
      ? 'No agent is quarantined now'
      : `${plural(r.currentlyQuarantined, 'agent is', 'agents are')} quarantined now`;
  const severe = (['critical', 'high'] as const)
    .filter((s) => r.bySeverity[s] > 0)
    .map((s) => `${r.bySeverity[s]} ${s}`)
    .join(', ');
  const history =
    r.totalQuarantined === 0
      ? 'there have been no quarantines yet'
      : `${plural(r.totalQuarantined, 'quarantine')} in total${severe ? ` (${severe})` : ''}, ${r.released} released, ${r.terminated} terminated`;
  const avg = r.avgDurationSeconds === null ? '' : `, lasting ${formatDuration(r.avgDurationSeconds)} on average`;
  return `${now}; ${history}${avg}; fleet posture is ${r.posture}.`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
