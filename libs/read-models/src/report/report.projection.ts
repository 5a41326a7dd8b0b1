import { SEVERITIES, type Severity, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, isAgentAggregate, numberOrNull, quarantineIdOf, text } from '../common/event-data';

/** The counters of the `report` row; `GET /report` derives averages and the summary from them. */
export interface ReportCounters {
  totalQuarantined: number;
  released: number;
  terminated: number;
  bySeverity: Record<Severity, number>;
  bySource: Record<string, number>;
  /** Quarantine entries that ended: released, or terminated while quarantined. */
  endedCount: number;
  /** Sum of the durations of the ended entries (avgDurationSeconds = total / endedCount). */
  totalDurationSeconds: number;
}

export const REPORT_EVENT_TYPES = ['AgentQuarantined', 'AgentReleased', 'AgentTerminated'] as const;
const HANDLED: ReadonlySet<string> = new Set(REPORT_EVENT_TYPES);

export function emptyReport(): ReportCounters {
  return {
    totalQuarantined: 0,
    released: 0,
    terminated: 0,
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
    bySource: {},
    endedCount: 0,
    totalDurationSeconds: 0,
  };
}

export function evolveReport(state: ReportCounters | null, event: StoredEvent): ReportCounters | null {
  const { envelope } = event;
  if (!isAgentAggregate(envelope) || !HANDLED.has(envelope.type)) return state;
  const r = copyReport(state ?? emptyReport());
  const d = dataOf(envelope);
  switch (envelope.type) {
    case 'AgentQuarantined': {
      const severity = text(d['severity'], 'medium') as Severity;
      const source = text(d['source'], envelope.actor);
      r.totalQuarantined++;
      r.bySeverity[severity] = (r.bySeverity[severity] ?? 0) + 1;
      r.bySource[source] = (r.bySource[source] ?? 0) + 1;
      return r;
    }
    case 'AgentReleased':
      r.released++;
      r.endedCount++;
      r.totalDurationSeconds += numberOrNull(d['durationSeconds']) ?? 0;
      return r;
    case 'AgentTerminated':
      r.terminated++;
      // Terminated without a quarantine: a termination, not an ended quarantine entry.
      if (quarantineIdOf(envelope) !== null) {
        r.endedCount++;
        r.totalDurationSeconds += numberOrNull(d['durationSeconds']) ?? 0;
      }
      return r;
    default:
      return state;
  }
}

/** A copy whose maps may be changed (Object.assign: keys of bySource are data). */
function copyReport(r: ReportCounters): ReportCounters {
  return {
    totalQuarantined: r.totalQuarantined,
    released: r.released,
    terminated: r.terminated,
    bySeverity: Object.assign({}, r.bySeverity),
    bySource: Object.assign({}, r.bySource),
    endedCount: r.endedCount,
    totalDurationSeconds: r.totalDurationSeconds,
  };
}

export const reportProjection: ProjectionDefinition<ReportCounters> = {
  name: 'report',
  table: 'report',
  kind: 'row',
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'total_quarantined', type: 'integer' },
    { name: 'released', type: 'integer' },
    { name: 'terminated', type: 'integer' },
    { name: 'by_severity', type: 'jsonb' },
    { name: 'by_source', type: 'jsonb' },
    { name: 'ended_count', type: 'integer' },
    { name: 'total_duration_seconds', type: 'double precision' },
  ],
  eventTypes: REPORT_EVENT_TYPES,
  keyOf: (e) => (isAgentAggregate(e.envelope) && HANDLED.has(e.envelope.type) ? '1' : null),
  evolve: evolveReport,
  toColumns: (r) => [1, r.totalQuarantined, r.released, r.terminated, r.bySeverity, r.bySource, r.endedCount, r.totalDurationSeconds],
  fromColumns: (row) => ({
    totalQuarantined: toNumber(row['total_quarantined']),
    released: toNumber(row['released']),
    terminated: toNumber(row['terminated']),
    bySeverity: { ...emptyReport().bySeverity, ...(row['by_severity'] as Record<Severity, number>) },
    bySource: { ...(row['by_source'] as Record<string, number>) },
    endedCount: toNumber(row['ended_count']),
    totalDurationSeconds: toNumber(row['total_duration_seconds']),
  }),
};
