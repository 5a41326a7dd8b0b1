import { FULL_RESTRICTIONS, NO_RESTRICTIONS } from '@immune/contracts';
import { asStoredEvents, generateAgentEventLog } from '../fixtures/agent-event-log';
import { agentEvent, stored } from '../fixtures/stored-event.spec-helper';
import { foldProjection } from '../projection';
import { quarantinesProjection } from '../quarantines/quarantines.projection';
import { emptyReport, evolveReport, REPORT_EVENT_TYPES, reportProjection, type ReportCounters } from './report.projection';

const quarantine = (seq: number, severity: string, source: string) =>
  agentEvent(seq, 'AgentQuarantined', { quarantineId: `q${seq}`, level: 'suspended', reasonCode: 'anomaly', reason: 'r', severity, source, expiresAt: null, restrictions: FULL_RESTRICTIONS, healMode: 'automatic', diagnoses: [], deviation: 7, forensic: null });

describe('report projection', () => {
  it('declares its event types; one row, id 1', () => {
    expect(reportProjection.eventTypes).toEqual(REPORT_EVENT_TYPES);
    expect(reportProjection.keyOf(quarantine(1, 'low', 'sentinel'))).toBe('1');
    expect(reportProjection.keyOf(agentEvent(2, 'QuarantineNoteAdded', {}))).toBeNull();
    expect(reportProjection.keyOf(agentEvent(2, 'HealingExhausted', {}))).toBeNull();
    expect(reportProjection.keyOf(stored(3, 'checkpoint', 'chain', 'ChainCheckpointed', {}))).toBeNull();
  });

  it('counts quarantines by severity and source, releases, terminations and durations', () => {
    const events = [
      quarantine(1, 'high', 'sentinel'),
      quarantine(2, 'low', 'alice'),
      quarantine(3, 'high', 'sentinel'),
      agentEvent(4, 'AgentReleased', { quarantineId: 'q1', resolution: 'ok', durationSeconds: 30, restrictions: NO_RESTRICTIONS }),
      agentEvent(5, 'AgentTerminated', { quarantineId: 'q2', resolution: 'gone', durationSeconds: 12.5, restrictions: FULL_RESTRICTIONS }),
      // Terminated without a quarantine: a termination, not an ended entry.
      agentEvent(6, 'AgentTerminated', { quarantineId: null, resolution: 'decommissioned', durationSeconds: null, restrictions: FULL_RESTRICTIONS }),
      agentEvent(7, 'SomethingNew', { severity: 'critical' }),
    ];
    const r = events.reduce<ReportCounters | null>((s, e) => evolveReport(s, e), null);
    expect(r).toEqual({
      totalQuarantined: 3,
      released: 1,
      terminated: 2,
      bySeverity: { low: 1, medium: 0, high: 2, critical: 0 },
      bySource: { sentinel: 2, alice: 1 },
      endedCount: 2,
      totalDurationSeconds: 42.5,
    });
    expect(reportProjection.toColumns(r!)).toEqual([1, 3, 1, 2, r!.bySeverity, r!.bySource, 2, 42.5]);
    expect(reportProjection.fromColumns({ total_quarantined: 3, released: 1, terminated: 2, by_severity: { high: 2, low: 1 }, by_source: { sentinel: 2, alice: 1 }, ended_count: 2, total_duration_seconds: 42.5 })).toEqual(r);
  });

  it('no row until something is counted', () => {
    expect(evolveReport(null, agentEvent(1, 'AgentRegistered', {}))).toBeNull();
    expect(emptyReport().bySeverity).toEqual({ low: 0, medium: 0, high: 0, critical: 0 });
  });

  it('over a realistic log the counters match the quarantine records', () => {
    const log = asStoredEvents(generateAgentEventLog({ namespace: 'unit', events: 5000, seed: 7 }));
    const report = foldProjection(reportProjection, log).get('1')!;
    const records = [...foldProjection(quarantinesProjection, log).values()].map((r) => r.record);
    const count = (f: (r: (typeof records)[number]) => boolean) => records.filter(f).length;
    expect(report.totalQuarantined).toBe(records.length);
    expect(report.released).toBe(count((r) => r.outcome === 'released'));
    expect(report.endedCount).toBe(count((r) => !r.active));
    expect(report.terminated).toBe(log.filter((e) => e.envelope.type === 'AgentTerminated').length);
    expect(report.terminated).toBeGreaterThan(count((r) => r.outcome === 'terminated')); // some never quarantined
    for (const s of ['low', 'medium', 'high', 'critical'] as const) expect(report.bySeverity[s]).toBe(count((r) => r.severity === s));
    for (const [source, n] of Object.entries(report.bySource)) expect(n).toBe(count((r) => r.source === source));
    const durations = records.filter((r) => !r.active).reduce((sum, r) => sum + (r.durationSeconds ?? 0), 0);
    expect(report.totalDurationSeconds).toBeCloseTo(durations, 6);
    expect(records.length).toBeGreaterThan(500);
  });
});
