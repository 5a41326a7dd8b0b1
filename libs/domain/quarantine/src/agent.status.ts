import type { AgentStatus, Restrictions } from '@immune/contracts';
import type { AgentState } from './agent.state';

/** The value agents watch in the `{ns}_agent_status` KV bucket (CONTRACT.md). */
export interface AgentStatusRecord {
  status: AgentStatus;
  restrictions: Restrictions;
  /** Stream sequence of the agent's last event; the caller knows it, the domain does not. */
  version: number;
}

export function statusOf(state: AgentState): Omit<AgentStatusRecord, 'version'> {
  return { status: state.status, restrictions: { ...state.restrictions } };
}

export function statusRecord(state: AgentState, version: number): AgentStatusRecord {
  return { ...statusOf(state), version };
}
