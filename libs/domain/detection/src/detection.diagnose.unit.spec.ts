import { config } from './detection.given.spec';
import { addExternalCause, diagnose, requiresApproval, severityFor } from './detection.diagnose';
import type { Anomaly, AnomalyType } from './detection.metrics';

const METRIC_OF: Record<AnomalyType, Anomaly['metric']> = {
  latency_spike: 'latencyMs', token_spike: 'tokens', input_token_spike: 'inputTokens', output_token_spike: 'outputTokens',
  cost_spike: 'costUsd', tool_explosion: 'toolCalls', high_retry_rate: 'retries', error_rate_spike: 'errors', prompt_change: 'promptHash',
};
const a = (type: AnomalyType, sigma: number): Anomaly => ({ type, metric: METRIC_OF[type], sigma });
const top = (anomalies: Anomaly[]) => diagnose(anomalies).map((d) => [d.hypothesis, d.confidence]);

describe('diagnosis rows (DESIGN.md)', () => {
  it.each<[string, Anomaly[], [string, number][]]>([
    ['prompt_change + input token spike → prompt injection 0.95', [a('prompt_change', 10), a('input_token_spike', 2.7)],
      [['prompt_injection', 0.95], ['prompt_drift', 0.7]]],
    ['prompt_change → injection 0.80 and drift', [a('prompt_change', 10)], [['prompt_injection', 0.8], ['prompt_drift', 0.7]]],
    ['input tokens > 3σ → injection 0.85', [a('input_token_spike', 3.5)], [['prompt_injection', 0.85]]],
    ['output tokens > 3σ → drift 0.85', [a('output_token_spike', 3.5)], [['prompt_drift', 0.85]]],
    ['total tokens > 3σ → drift 0.85', [a('token_spike', 3.5)], [['prompt_drift', 0.85]]],
    ['cost → cost overrun 0.80', [a('cost_spike', 2.6)], [['cost_overrun', 0.8]]],
    ['tools > 3σ → infinite loop 0.90', [a('tool_explosion', 4)], [['infinite_loop', 0.9]]],
    ['latency with errors → tool instability 0.75', [a('latency_spike', 3), a('error_rate_spike', 4)], [['tool_instability', 0.75]]],
    ['latency with retries → tool instability 0.75', [a('latency_spike', 3), a('high_retry_rate', 4)], [['tool_instability', 0.75]]],
    ['errors alone → tool instability 0.70', [a('error_rate_spike', 4)], [['tool_instability', 0.7]]],
    ['latency alone → tool instability 0.60', [a('latency_spike', 7)], [['tool_instability', 0.6]]],
    ['retries alone → memory corruption 0.65', [a('high_retry_rate', 4)], [['memory_corruption', 0.65]]],
    ['else → unknown 0.30', [a('input_token_spike', 2.8)], [['unknown', 0.3]]],
    ['tools at 3σ or less → unknown', [a('tool_explosion', 3)], [['unknown', 0.3]]],
  ])('%s', (_label, anomalies, expected) => {
    expect(top(anomalies)).toEqual(expected);
  });

  it('is empty for no anomalies', () => {
    expect(diagnose([])).toEqual([]);
  });

  it('ranks by confidence, keeps each hypothesis once at its highest, and merges the evidence', () => {
    const d = diagnose([a('prompt_change', 10), a('input_token_spike', 4), a('output_token_spike', 5), a('cost_spike', 3), a('tool_explosion', 6), a('latency_spike', 3)]);
    expect(d.map((x) => [x.hypothesis, x.confidence])).toEqual([
      ['prompt_injection', 0.95], ['infinite_loop', 0.9], ['prompt_drift', 0.85], ['cost_overrun', 0.8], ['tool_instability', 0.6],
    ]);
    expect(d[0]?.evidence).toEqual(['prompt_change at 10.0σ', 'input_token_spike at 4.0σ']);
    expect(d[2]?.evidence).toEqual(['prompt_change at 10.0σ', 'output_token_spike at 5.0σ']);
  });

  it('uses the configured "> 3σ"', () => {
    expect(diagnose([a('tool_explosion', 2.8)], config({ diagnosisSigma: 2.5 }))[0]?.hypothesis).toBe('infinite_loop');
  });

  it('adds external_cause, re-ranked, without touching the input', () => {
    const base = diagnose([a('latency_spike', 3)]);
    const withCause = addExternalCause(base, 0.65, 'latency_spike on 20% of the fleet');
    expect(withCause.map((d) => [d.hypothesis, d.confidence])).toEqual([['external_cause', 0.65], ['tool_instability', 0.6]]);
    expect(addExternalCause(withCause, 0.5, 'again').filter((d) => d.hypothesis === 'external_cause')).toEqual([
      { hypothesis: 'external_cause', confidence: 0.65, evidence: ['latency_spike on 20% of the fleet', 'again'] },
    ]);
    expect(base).toHaveLength(1);
  });
});

describe('severity of an automatic quarantine', () => {
  it.each([
    [2.6, 'medium'], [4.99, 'medium'], [5, 'high'], [7.99, 'high'], [8, 'critical'], [40, 'critical'],
  ] as const)('%sσ is %s', (sigma, severity) => {
    expect(severityFor(sigma, [a('latency_spike', sigma)])).toBe(severity);
  });

  it('is critical for any prompt change', () => {
    expect(severityFor(3, [a('latency_spike', 3), a('prompt_change', 10)])).toBe('critical');
  });
});

describe('approval', () => {
  it('is required from 5σ, configurable', () => {
    expect(requiresApproval(4.99)).toBe(false);
    expect(requiresApproval(5)).toBe(true);
    expect(requiresApproval(4, config({ approvalSigma: 4 }))).toBe(true);
  });
});
