import type { HealingAction } from '@immune/agent-sdk';

/** Every kind of fault the chaos mode injects. */
export const FAULT_KINDS = [
  'token_explosion',
  'tool_loop',
  'latency_spike',
  'retry_storm',
  'error_burst',
  'prompt_drift',
  'prompt_injection',
  'cost_spike',
  'memory_corruption',
  'full_meltdown',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** `mild` faults deviate about 4σ (healed at once), `severe` ones far beyond 5σ (healing waits for approval). */
export type FaultSeverity = 'mild' | 'severe';

export interface FaultSpec {
  /** What the sentinel should diagnose it as (DESIGN.md, "Diagnosis"): shown in the docs and the summary. */
  expectedDiagnosis: string;
  /** The healing actions that cure it. Every other action is acknowledged, but the fault persists. */
  curedBy: readonly HealingAction[];
  /** Why, in one line, for the docs and `--help`. */
  story: string;
  /** Faults that change the prompt hash are always critical (a prompt change is reported at 10σ). */
  alwaysSevere?: boolean;
  /** Rate-only faults (retries) reach about 4σ at most: never severe. */
  neverSevere?: boolean;
}

/**
 * The cure table. It follows DESIGN.md's ladders, but the first rung does not always cure, so immune memory
 * visibly learns which actions work for which diagnosis:
 * - prompt_drift ladder starts with reset_memory: cures memory corruption-like drift, not a token explosion;
 * - infinite_loop starts with revoke_tools: hides a loop during probation, but the planner still loops;
 * - prompt_injection starts with revoke_tools: the injected instructions stay in memory until reset_memory;
 * - cost_overrun starts with reduce_autonomy: the agent was switched to a pricier model, rollback_prompt restores it.
 */
export const FAULTS: Readonly<Record<FaultKind, FaultSpec>> = Object.freeze({
  token_explosion: { expectedDiagnosis: 'prompt_drift', curedBy: ['rollback_prompt', 'reset_agent'], story: 'a prompt edit makes answers balloon (output tokens)' },
  tool_loop: { expectedDiagnosis: 'infinite_loop', curedBy: ['reduce_autonomy', 'reset_memory', 'reset_agent'], story: 'the planner re-calls the same tool (tool calls explode)' },
  latency_spike: { expectedDiagnosis: 'tool_instability', curedBy: ['reduce_autonomy', 'reset_agent'], story: 'a slow MCP server, made worse by parallel calls' },
  retry_storm: { expectedDiagnosis: 'tool_instability', curedBy: ['rollback_prompt', 'reset_agent'], story: 'a bad tool schema in the prompt: every call retried, slowly' },
  error_burst: { expectedDiagnosis: 'tool_instability', curedBy: ['rollback_prompt', 'reset_agent'], story: 'tasks fail with tool errors after a prompt change' },
  prompt_drift: { expectedDiagnosis: 'prompt_injection / prompt_drift', curedBy: ['rollback_prompt', 'reset_agent'], story: 'the system prompt was edited (new hash), answers get longer', alwaysSevere: true },
  prompt_injection: { expectedDiagnosis: 'prompt_injection', curedBy: ['reset_memory', 'reset_agent'], story: 'injected instructions in memory (new hash, input tokens surge)', alwaysSevere: true },
  cost_spike: { expectedDiagnosis: 'cost_overrun', curedBy: ['rollback_prompt', 'reset_agent'], story: 'switched to a far pricier model' },
  memory_corruption: { expectedDiagnosis: 'memory_corruption', curedBy: ['reset_memory', 'reset_agent'], story: 'a corrupt scratchpad makes steps retry', neverSevere: true },
  full_meltdown: { expectedDiagnosis: 'infinite_loop / prompt_drift / tool_instability', curedBy: ['reset_agent'], story: 'everything at once: only a full reset helps', alwaysSevere: true },
});

export interface Fault {
  kind: FaultKind;
  severity: FaultSeverity;
  /** When it was injected (epoch ms): a fault nobody detects clears itself after a while (a transient). */
  injectedAt: number;
}

export function cures(kind: FaultKind, action: HealingAction): boolean {
  return FAULTS[kind].curedBy.includes(action);
}

export function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

/** Markdown table of the cure rules (docs and `fleet-sim --faults-table`). */
export function cureTableMarkdown(): string {
  const rows = FAULT_KINDS.map((k) => `| \`${k}\` | ${FAULTS[k].story} | ${FAULTS[k].expectedDiagnosis} | ${FAULTS[k].curedBy.map((a) => `\`${a}\``).join(', ')} |`);
  return ['| fault | what happens | diagnosed as | cured only by |', '|---|---|---|---|', ...rows].join('\n');
}
