import type { Diagnosis, Severity } from '@immune/contracts';
import { DEFAULT_DETECTION_CONFIG } from './detection.config';
import type { DetectionConfig } from './detection.config';
import type { Anomaly, AnomalyType } from './detection.metrics';

/** Hypotheses, each with its healing ladder in DESIGN.md; the order breaks confidence ties. */
export const HYPOTHESES = [
  'prompt_injection',
  'infinite_loop',
  'prompt_drift',
  'cost_overrun',
  'tool_instability',
  'memory_corruption',
  'external_cause',
  'unknown',
] as const;
export type Hypothesis = (typeof HYPOTHESES)[number];

/** Confidences of the diagnosis rows (DESIGN.md); prompt_drift beside a prompt change is ours (DESIGN gives none). */
export const DIAGNOSIS_CONFIDENCE = Object.freeze({
  promptChangeWithInputSpike: 0.95,
  promptChange: 0.8,
  promptChangeDrift: 0.7,
  inputTokens: 0.85,
  outputTokens: 0.85,
  cost: 0.8,
  tools: 0.9,
  latencyWithFailures: 0.75,
  errorsAlone: 0.7,
  latencyAlone: 0.6,
  retriesAlone: 0.65,
  unknown: 0.3,
});

/**
 * Ranked hypotheses for a set of anomalies (DESIGN.md, "Diagnosis maps anomaly sets…"): every matching row
 * contributes, a hypothesis appears once with its highest confidence and the evidence of every row that
 * named it, highest confidence first. `unknown` (0.30) when no row matches; [] for no anomalies.
 */
export function diagnose(anomalies: readonly Anomaly[], config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): Diagnosis[] {
  if (anomalies.length === 0) return [];
  const sig = sigmaByType(anomalies);
  const has = (t: AnomalyType) => sig[t] > 0;
  const over = (t: AnomalyType) => sig[t] > config.diagnosisSigma;
  const out = new Collector(sig);
  const C = DIAGNOSIS_CONFIDENCE;

  if (has('prompt_change') && has('input_token_spike')) out.add('prompt_injection', C.promptChangeWithInputSpike, ['prompt_change', 'input_token_spike']);
  if (has('prompt_change')) {
    out.add('prompt_injection', C.promptChange, ['prompt_change']);
    out.add('prompt_drift', C.promptChangeDrift, ['prompt_change']);
  }
  if (over('input_token_spike')) out.add('prompt_injection', C.inputTokens, ['input_token_spike']);
  if (over('output_token_spike') || over('token_spike')) {
    out.add('prompt_drift', C.outputTokens, (['output_token_spike', 'token_spike'] as const).filter(over));
  }
  if (has('cost_spike')) out.add('cost_overrun', C.cost, ['cost_spike']);
  if (over('tool_explosion')) out.add('infinite_loop', C.tools, ['tool_explosion']);
  const latency = has('latency_spike');
  const errors = has('error_rate_spike');
  const retries = has('high_retry_rate');
  if (latency && (errors || retries)) {
    out.add('tool_instability', C.latencyWithFailures, (['latency_spike', 'error_rate_spike', 'high_retry_rate'] as const).filter(has));
  }
  if (errors && !latency) out.add('tool_instability', C.errorsAlone, (['error_rate_spike', 'high_retry_rate'] as const).filter(has));
  if (latency && !errors && !retries) out.add('tool_instability', C.latencyAlone, ['latency_spike']);
  if (retries && !latency && !errors) out.add('memory_corruption', C.retriesAlone, ['high_retry_rate']);
  if (out.size() === 0) out.add('unknown', C.unknown, anomalies.map((a) => a.type));
  return out.ranked();
}

/**
 * Adds (or raises) the `external_cause` hypothesis a 15–30% fleet correlation suggests, re-ranked;
 * returns a new list.
 */
export function addExternalCause(diagnoses: readonly Diagnosis[], confidence: number, evidence: string): Diagnosis[] {
  const out: Diagnosis[] = [];
  let merged = false;
  for (const d of diagnoses) {
    if (d.hypothesis === 'external_cause') {
      merged = true;
      out.push({ hypothesis: d.hypothesis, confidence: Math.max(d.confidence, confidence), evidence: unique([...(d.evidence ?? []), evidence]) });
    } else {
      out.push({ ...d, evidence: d.evidence ? [...d.evidence] : d.evidence });
    }
  }
  if (!merged) out.push({ hypothesis: 'external_cause', confidence, evidence: [evidence] });
  return out.sort(byRank);
}

/** Severity of an automatic quarantine: < 5σ medium, 5–8σ high, ≥ 8σ or a prompt change critical. */
export function severityFor(sigma: number, anomalies: readonly Anomaly[], config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): Severity {
  if (sigma >= config.criticalSigma || anomalies.some((a) => a.type === 'prompt_change')) return 'critical';
  if (sigma >= config.highSigma) return 'high';
  return 'medium';
}

/** Deviation ≥ 5σ (by default) needs an operator's approval before healing. */
export function requiresApproval(sigma: number, config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): boolean {
  return sigma >= config.approvalSigma;
}

export function formatSigma(sigma: number): string {
  return `${sigma.toFixed(1)}σ`;
}

function sigmaByType(anomalies: readonly Anomaly[]): Record<AnomalyType, number> {
  const sig: Record<AnomalyType, number> = {
    latency_spike: 0, token_spike: 0, input_token_spike: 0, output_token_spike: 0, cost_spike: 0,
    tool_explosion: 0, high_retry_rate: 0, error_rate_spike: 0, prompt_change: 0,
  };
  // An anomaly's sigma is above the anomaly threshold (> 0); Number.MIN_VALUE keeps a degenerate 0 present.
  for (const a of anomalies) sig[a.type] = Math.max(sig[a.type], a.sigma, Number.MIN_VALUE);
  return sig;
}

class Collector {
  private readonly byHypothesis = new Map<Hypothesis, { confidence: number; evidence: string[] }>();

  constructor(private readonly sig: Readonly<Record<AnomalyType, number>>) {}

  add(hypothesis: Hypothesis, confidence: number, types: readonly AnomalyType[]): void {
    const evidence = types.map((t) => `${t} at ${formatSigma(this.sig[t])}`);
    const seen = this.byHypothesis.get(hypothesis);
    if (!seen) {
      this.byHypothesis.set(hypothesis, { confidence, evidence: unique(evidence) });
      return;
    }
    seen.confidence = Math.max(seen.confidence, confidence);
    seen.evidence = unique([...seen.evidence, ...evidence]);
  }

  size(): number {
    return this.byHypothesis.size;
  }

  ranked(): Diagnosis[] {
    return [...this.byHypothesis].map(([hypothesis, d]) => ({ hypothesis, confidence: d.confidence, evidence: d.evidence })).sort(byRank);
  }
}

function byRank(a: Diagnosis, b: Diagnosis): number {
  return b.confidence - a.confidence || rankOf(a.hypothesis) - rankOf(b.hypothesis);
}

function rankOf(hypothesis: string): number {
  const i = (HYPOTHESES as readonly string[]).indexOf(hypothesis);
  return i < 0 ? HYPOTHESES.length : i;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
