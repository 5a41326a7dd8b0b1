/**
 * The SDK's own copy of the wire contract (CONTRACT.md, "Vitals" and "What agents receive"), so the package
 * can be published without the workspace. `contract-compat.unit.spec.ts` keeps it equal to `@immune/contracts`.
 */

export const DEFAULT_NAMESPACE = 'immune';
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** One vital as an agent publishes it after each completed task. */
export interface VitalInput {
  agentId: string;
  ts?: number | string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  tokens?: number;
  costUsd?: number;
  toolCalls: number;
  retries: number;
  success?: boolean;
  errorType?: string;
  promptHash?: string;
  model?: string;
  agentType?: string;
  mcpServers?: string[];
}

export const AGENT_STATUSES = ['active', 'restricted', 'suspended', 'terminated'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Restrictions {
  toolsRevoked: boolean;
  autonomyReduced: boolean;
  replicationBlocked: boolean;
  networkRestricted: boolean;
  probation: boolean;
}

/** The value of key `agentId` in the KV bucket `{ns}_agent_status`. */
export interface AgentStatusRecord {
  status: AgentStatus;
  restrictions: Restrictions;
  version: number;
}

export const NO_RESTRICTIONS: Readonly<Restrictions> = Object.freeze({
  toolsRevoked: false,
  autonomyReduced: false,
  replicationBlocked: false,
  networkRestricted: false,
  probation: false,
});

export const HEALING_ACTIONS = ['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'revoke_tools', 'reset_agent'] as const;
export type HealingAction = (typeof HEALING_ACTIONS)[number];

export function isHealingAction(value: unknown): value is HealingAction {
  return typeof value === 'string' && (HEALING_ACTIONS as readonly string[]).includes(value);
}

/** Request on `{ns}.agents.{agentId}.commands`. */
export interface AgentCommand {
  commandId: string;
  action: HealingAction;
  params: Record<string, unknown>;
}

/** Reply to an `AgentCommand`: `ok: false` (or no reply in time) is a failed action. */
export interface AgentCommandReply {
  commandId: string;
  ok: boolean;
  detail?: string;
}

/** Subjects and buckets of one namespace, as the SDK uses them. */
export interface SdkNames {
  vitals(agentId: string): string;
  statusBucket: string;
  agentChannel(agentId: string): string;
}

export function sdkNames(ns: string): SdkNames {
  if (!NAMESPACE_PATTERN.test(ns)) throw new Error(`namespace "${ns}" is invalid: it must match ${NAMESPACE_PATTERN.source}`);
  return {
    vitals: (agentId) => `${ns}.vitals.${agentId}`,
    statusBucket: `${ns}_agent_status`,
    agentChannel: (agentId) => `${ns}.agents.${agentId}.commands`,
  };
}

/** Parses a status KV value; null when it is not a status record (the SDK then keeps the last good one). */
export function parseStatusRecord(text: string): AgentStatusRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const status = r['status'];
  if (typeof status !== 'string' || !(AGENT_STATUSES as readonly string[]).includes(status)) return null;
  const raw = (typeof r['restrictions'] === 'object' && r['restrictions'] !== null ? r['restrictions'] : {}) as Record<string, unknown>;
  const restrictions: Restrictions = {
    toolsRevoked: raw['toolsRevoked'] === true,
    autonomyReduced: raw['autonomyReduced'] === true,
    replicationBlocked: raw['replicationBlocked'] === true,
    networkRestricted: raw['networkRestricted'] === true,
    probation: raw['probation'] === true,
  };
  return { status: status as AgentStatus, restrictions, version: typeof r['version'] === 'number' ? r['version'] : 0 };
}
