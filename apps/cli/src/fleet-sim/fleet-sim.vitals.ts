import type { Restrictions, VitalReport } from '@immune/agent-sdk';
import type { Fault } from './fleet-sim.faults';

/** Deterministic randomness (mulberry32 + Box–Muller), so `--seed` replays the same fleet and chaos. */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

export const AGENT_TYPES = ['researcher', 'coder', 'support', 'planner'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

interface TypeShape {
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  toolsLo: number;
  toolsHi: number;
  servers: readonly string[];
}

const TYPES: Readonly<Record<AgentType, TypeShape>> = {
  researcher: { latencyMs: 4200, inputTokens: 3200, outputTokens: 800, toolsLo: 2, toolsHi: 5, servers: ['web-search', 'browser', 'arxiv', 'filesystem'] },
  coder: { latencyMs: 2600, inputTokens: 2200, outputTokens: 650, toolsLo: 1, toolsHi: 4, servers: ['github', 'filesystem', 'sandbox-exec', 'sentry'] },
  support: { latencyMs: 1300, inputTokens: 900, outputTokens: 260, toolsLo: 0, toolsHi: 2, servers: ['zendesk', 'postgres', 'slack', 'kb-search'] },
  planner: { latencyMs: 3100, inputTokens: 1500, outputTokens: 900, toolsLo: 1, toolsHi: 2, servers: ['jira', 'calendar', 'slack'] },
};

/** USD per million tokens (input, output). */
export const MODELS: Readonly<Record<string, { input: number; output: number }>> = {
  'claude-sonnet-4': { input: 3, output: 15 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'llama-3.1-70b': { input: 0.6, output: 0.8 },
  'mistral-large': { input: 2, output: 6 },
};
const MODEL_NAMES = Object.keys(MODELS);

/** One simulated agent's normal behaviour. */
export interface AgentProfile {
  agentId: string;
  agentType: AgentType;
  model: string;
  mcpServers: string[];
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  toolsLo: number;
  toolsHi: number;
  /** Chance a task needs one retry / fails, now and then (healthy agents are not perfect). */
  retryRate: number;
  errorRate: number;
  promptHash: string;
}

/** A profile for the `index`-th agent: types round-robin, everything else varies a little per agent. */
export function makeProfile(rng: Rng, index: number, prefix = 'sim'): AgentProfile {
  const agentType = AGENT_TYPES[index % AGENT_TYPES.length]!;
  const t = TYPES[agentType];
  const scale = () => 0.8 + 0.4 * rng.next();
  const servers = [...t.servers].filter(() => rng.next() < 0.6);
  if (servers.length === 0) servers.push(t.servers[0]!);
  return {
    agentId: `${prefix}-${agentType}-${String(index + 1).padStart(3, '0')}`,
    agentType,
    model: rng.pick(MODEL_NAMES),
    mcpServers: servers,
    latencyMs: Math.round(t.latencyMs * scale()),
    inputTokens: Math.round(t.inputTokens * scale()),
    outputTokens: Math.round(t.outputTokens * scale()),
    toolsLo: t.toolsLo,
    toolsHi: t.toolsHi,
    retryRate: index % 3 === 0 ? 0 : 0.01,
    errorRate: index % 4 === 0 ? 0 : 0.005,
    promptHash: `sha256:${agentType}-v${1 + (index % 3)}-${(index * 2654435761 >>> 0).toString(16)}`,
  };
}

export function costUsd(model: string, inputTokens: number, outputTokens: number): number {
  const price = MODELS[model] ?? { input: 3, output: 15 };
  return Math.round(((inputTokens * price.input + outputTokens * price.output) / 1e6) * 1e6) / 1e6;
}

/**
 * One task's vital: normal jitter (latency ±10%, input ±5%, output ±10% as one σ, tool calls uniform in the
 * type's range), shifted by the fault if there is one, and honouring the restrictions: with tools revoked the
 * agent uses only the tools it always needs (the low end of its range), with the network restricted it calls
 * no remote MCP server. (Reduced autonomy is honoured by the agent's pace: no self-initiated follow-up tasks;
 * it does not hide a fault — a looping planner still loops on probation.)
 */
export function vitalFor(p: AgentProfile, rng: Rng, fault: Fault | null, restrictions: Restrictions): VitalReport {
  const kind = fault?.kind;
  const severe = fault?.severity === 'severe';
  const k = fault ? (severe ? 13 + 4 * rng.next() : 3.8 + 0.8 * rng.next()) : 0;
  let latencyMs = p.latencyMs * (1 + 0.1 * rng.normal());
  let inputTokens = p.inputTokens * (1 + 0.05 * rng.normal());
  let outputTokens = p.outputTokens * (1 + 0.1 * rng.normal());
  let toolCalls = rng.int(p.toolsLo, p.toolsHi);
  let retries = rng.next() < p.retryRate ? 1 : 0;
  let success = rng.next() >= p.errorRate;
  let errorType: string | undefined;
  let promptHash = p.promptHash;
  let costFactor = 1;
  const toolsSd = Math.max(0.5, (p.toolsHi - p.toolsLo + 1) / Math.sqrt(12));

  switch (kind) {
    case undefined:
      break;
    case 'token_explosion':
      outputTokens += k * 0.1 * p.outputTokens;
      break;
    case 'tool_loop':
      toolCalls += Math.max(2, Math.round(k * toolsSd));
      latencyMs += 0.1 * p.latencyMs;
      break;
    case 'latency_spike':
      latencyMs += k * 0.1 * p.latencyMs;
      break;
    case 'retry_storm':
      retries = rng.int(2, severe ? 6 : 3);
      latencyMs += (severe ? 8 : 4) * 0.1 * p.latencyMs;
      break;
    case 'error_burst':
      // severe: the failing calls also hang until they time out
      if (severe) latencyMs += k * 0.1 * p.latencyMs;
      if (rng.next() < (severe ? 1 : 0.75)) {
        success = false;
        errorType = rng.pick(['ToolError', 'UpstreamTimeout', 'SchemaValidationError']);
      }
      break;
    case 'prompt_drift':
      promptHash = `${p.promptHash}-edited`;
      outputTokens += 3.5 * 0.1 * p.outputTokens;
      break;
    case 'prompt_injection':
      promptHash = 'sha256:injected-0badc0de';
      inputTokens += k * 0.05 * p.inputTokens;
      toolCalls += 2;
      break;
    case 'cost_spike':
      costFactor = 1 + k * 0.055;
      break;
    case 'memory_corruption':
      retries = rng.next() < 0.8 ? rng.int(1, 3) : 0;
      break;
    case 'full_meltdown':
      latencyMs += 15 * 0.1 * p.latencyMs;
      outputTokens += 15 * 0.1 * p.outputTokens;
      toolCalls += Math.round(15 * toolsSd);
      retries = rng.int(1, 4);
      if (rng.next() < 0.6) {
        success = false;
        errorType = 'AgentPanic';
      }
      break;
    default: {
      const never: never = kind;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
  if (restrictions.toolsRevoked) toolCalls = Math.min(toolCalls, p.toolsLo);
  inputTokens = Math.max(0, Math.round(inputTokens));
  outputTokens = Math.max(0, Math.round(outputTokens));
  const vital: VitalReport = {
    latencyMs: Math.max(1, Math.round(latencyMs)),
    inputTokens,
    outputTokens,
    costUsd: Math.round(costUsd(p.model, inputTokens, outputTokens) * costFactor * 1e6) / 1e6,
    toolCalls: Math.max(0, toolCalls),
    retries,
    success,
    promptHash,
    model: p.model,
    agentType: p.agentType,
    mcpServers: restrictions.networkRestricted ? [] : p.mcpServers,
  };
  if (errorType) vital.errorType = errorType;
  return vital;
}
