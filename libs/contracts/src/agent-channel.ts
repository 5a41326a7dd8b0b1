/**
 * The agent command channel (CONTRACT "What agents receive"): the healer sends one request per healing action on
 * `{ns}.agents.{agentId}.commands` (`names(ns).agentChannel(agentId)`) and waits for the agent's reply; no reply
 * within the timeout (default 5 s) is a failed action.
 */
export const HEALING_ACTIONS = ['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'revoke_tools', 'reset_agent'] as const;
export type HealingAction = (typeof HEALING_ACTIONS)[number];

export function isHealingAction(value: unknown): value is HealingAction {
  return typeof value === 'string' && (HEALING_ACTIONS as readonly string[]).includes(value);
}

/** Default time the healer waits for an agent's reply. */
export const DEFAULT_AGENT_COMMAND_TIMEOUT_MS = 5000;

/** Request body on the agent channel. */
export interface AgentChannelRequest {
  /** Unique per attempt; the agent echoes it. A repeat of the same id must be answered the same way. */
  commandId: string;
  action: HealingAction;
  /** Free-form context: `agentId`, `quarantineId`, `diagnosis`, `attempt`. Agents may ignore it. */
  params: Record<string, unknown>;
}

/** Reply body on the agent channel: `ok: false` (or no reply in time) is a failed action. */
export interface AgentChannelReply {
  commandId: string;
  ok: boolean;
  detail?: string;
}

/** Validates a reply read from the wire; null when it is not a reply to `commandId`. */
export function parseAgentChannelReply(value: unknown, commandId: string): AgentChannelReply | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v['commandId'] !== commandId || typeof v['ok'] !== 'boolean') return null;
  const reply: AgentChannelReply = { commandId, ok: v['ok'] };
  if (typeof v['detail'] === 'string') reply.detail = v['detail'];
  return reply;
}

/** Validates a request read from the wire (what an agent SDK receives); null when malformed. */
export function parseAgentChannelRequest(value: unknown): AgentChannelRequest | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v['commandId'] !== 'string' || v['commandId'].length === 0 || !isHealingAction(v['action'])) return null;
  const params = v['params'];
  return {
    commandId: v['commandId'],
    action: v['action'],
    params: typeof params === 'object' && params !== null && !Array.isArray(params) ? (params as Record<string, unknown>) : {},
  };
}
