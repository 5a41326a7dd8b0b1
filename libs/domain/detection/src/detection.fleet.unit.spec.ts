import { diagnose } from './detection.diagnose';
import { applyFleetCorrelation, correlateFleet, externalCauseConfidence, threatConfidence } from './detection.fleet';
import type { FleetAnomaly } from './detection.fleet';
import type { AnomalyType } from './detection.metrics';
import type { Infection } from './detection.observe';

const NOW = 1_700_000_000_000;
const hits = (n: number, type: AnomalyType = 'latency_spike', ts = NOW - 1000): FleetAnomaly[] =>
  Array.from({ length: n }, (_, i) => ({ agentId: `a-${String(i).padStart(3, '0')}`, type, ts }));

const infection = (types: AnomalyType[]): Infection => {
  const anomalies = types.map((type) => ({ type, metric: 'latencyMs' as const, sigma: 3 }));
  return { anomalies, deviation: 3, severity: 'medium', requiresApproval: false, diagnoses: diagnose(anomalies) };
};

describe('fleet correlation', () => {
  it('considers nothing below 10 agents with a baseline', () => {
    expect(correlateFleet({ nowMs: NOW, agentsWithBaseline: 9, recent: hits(9) })).toEqual({ considered: false, fleetWide: [], externalCause: [] });
  });

  it('calls 30% or more of the agents with the same anomaly within 10 s a fleet-wide event, confidence ≥ 0.8', () => {
    const c = correlateFleet({ nowMs: NOW, agentsWithBaseline: 100, recent: [...hits(30), ...hits(5, 'cost_spike')] });
    expect(c.fleetWide).toEqual([{ type: 'latency_spike', agentIds: hits(30).map((h) => h.agentId), fraction: 0.3, confidence: 0.8 }]);
    expect(c.externalCause).toEqual([]);
    expect(correlateFleet({ nowMs: NOW, agentsWithBaseline: 10, recent: hits(10) }).fleetWide[0]?.confidence).toBe(1);
  });

  it('counts distinct agents, not anomalies', () => {
    const c = correlateFleet({ nowMs: NOW, agentsWithBaseline: 100, recent: [...hits(20), ...hits(20)] });
    expect(c.fleetWide).toEqual([]);
    expect(c.externalCause[0]?.agentIds).toHaveLength(20);
  });

  it('suggests an external cause at 15–30%', () => {
    const c = correlateFleet({ nowMs: NOW, agentsWithBaseline: 100, recent: [...hits(15, 'error_rate_spike'), ...hits(14, 'cost_spike')] });
    expect(c.fleetWide).toEqual([]);
    expect(c.externalCause.map((s) => [s.type, s.fraction, s.confidence])).toEqual([['error_rate_spike', 0.15, 0.5]]);
  });

  it('ignores anomalies outside the 10 s window', () => {
    const old = hits(40, 'latency_spike', NOW - 10_001);
    expect(correlateFleet({ nowMs: NOW, agentsWithBaseline: 100, recent: old }).fleetWide).toEqual([]);
    expect(correlateFleet({ nowMs: NOW, agentsWithBaseline: 100, recent: hits(40, 'latency_spike', NOW - 10_000) }).fleetWide).toHaveLength(1);
  });

  it('has threat confidence 0.8 at 30% rising to 1, and external-cause confidence 0.5 at 15% rising to 0.7', () => {
    expect(threatConfidence(0.3)).toBeCloseTo(0.8, 12);
    expect(threatConfidence(0.65)).toBeCloseTo(0.9, 12);
    expect(externalCauseConfidence(0.15)).toBeCloseTo(0.5, 12);
    expect(externalCauseConfidence(0.3)).toBeCloseTo(0.7, 12);
  });
});

describe('applyFleetCorrelation', () => {
  it('drops the quarantine when every anomaly of the agent is part of a fleet-wide event', () => {
    const fleet = correlateFleet({ nowMs: NOW, agentsWithBaseline: 20, recent: hits(10) });
    expect(applyFleetCorrelation(infection(['latency_spike']), fleet)).toBeNull();
    expect(applyFleetCorrelation(infection(['latency_spike', 'prompt_change']), fleet)).not.toBeNull();
  });

  it('adds external_cause to the diagnoses at 15–30%, and leaves the infection alone otherwise', () => {
    const fleet = correlateFleet({ nowMs: NOW, agentsWithBaseline: 50, recent: hits(14) }); // 28%
    const out = applyFleetCorrelation(infection(['latency_spike']), fleet);
    expect(out?.diagnoses.map((d) => [d.hypothesis, d.confidence])).toEqual([['external_cause', externalCauseConfidence(0.28)], ['tool_instability', 0.6]]);
    expect(out?.diagnoses[0]?.evidence).toEqual(['latency_spike on 14 agents (28% of the fleet) at once']);
    const lone = infection(['cost_spike']);
    expect(applyFleetCorrelation(lone, fleet)).toBe(lone);
    const small = correlateFleet({ nowMs: NOW, agentsWithBaseline: 5, recent: hits(5) });
    expect(applyFleetCorrelation(lone, small)).toBe(lone);
  });
});
