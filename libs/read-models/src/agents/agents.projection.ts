import { AGENT_EVENT_TYPES, NO_RESTRICTIONS, type AgentView, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import {
  dataOf,
  isAgentAggregate,
  isAgentEventType,
  quarantineViewOf,
  restrictionsOf,
  stringList,
  text,
  textOrNull,
} from '../common/event-data';

/**
 * `agents`: the AgentView of each agent, as `GET /agents/{id}` shows it. Mirrors the rules of the agent
 * aggregate (libs/domain/quarantine): termination is final, a repeated AgentQuarantined of the open entry is
 * not a new quarantine, an escalation to `terminated` only counts (the AgentTerminated after it ends the agent).
 *
 * `version` is the stream sequence of the agent's last event, whatever its type: the agent subject also carries
 * events this projection does not model (anomalies, approvals, healing), and the version must still match the
 * log's for `If-Match` to work. Those events change nothing else.
 */
export function evolveAgent(view: AgentView | null, event: StoredEvent): AgentView | null {
  const { envelope, seq } = event;
  if (!isAgentAggregate(envelope)) return view;
  const type = envelope.type;
  if (view === null) {
    // Nothing is known of an agent before it registers (the decider refuses commands for unknown agents).
    if (type !== 'AgentRegistered') return null;
    const d = dataOf(envelope);
    return {
      agentId: envelope.aggregateId,
      status: 'active',
      restrictions: { ...NO_RESTRICTIONS },
      quarantine: null,
      baseline: null,
      lastVitalAt: null,
      model: textOrNull(d['model']),
      agentType: textOrNull(d['agentType']),
      mcpServers: stringList(d['mcpServers']),
      registeredAt: envelope.occurredAt,
      version: seq,
    };
  }
  if (!isAgentEventType(type) || view.status === 'terminated') return { ...view, version: seq };
  const d = dataOf(envelope);
  switch (type) {
    case 'AgentRegistered':
      return { ...view, model: textOrNull(d['model']), agentType: textOrNull(d['agentType']), mcpServers: stringList(d['mcpServers']), version: seq };
    case 'AgentQuarantined': {
      if (view.quarantine?.quarantineId === d['quarantineId']) return { ...view, version: seq };
      const quarantine = quarantineViewOf(envelope);
      return { ...view, status: quarantine.level, restrictions: restrictionsOf(d['restrictions']), quarantine, version: seq };
    }
    case 'QuarantineNoteAdded': {
      const q = view.quarantine;
      const noteId = text(d['noteId'], '');
      if (q === null || q.quarantineId !== d['quarantineId'] || q.notes.some((n) => n.noteId === noteId)) return { ...view, version: seq };
      const note = { noteId, note: text(d['note'], ''), author: envelope.actor, at: envelope.occurredAt };
      return { ...view, quarantine: { ...q, notes: [...q.notes, note] }, version: seq };
    }
    case 'QuarantineEscalated': {
      const q = view.quarantine;
      const to = d['toLevel'];
      if (to !== 'restricted' && to !== 'suspended') return { ...view, version: seq };
      return { ...view, status: to, restrictions: restrictionsOf(d['restrictions']), quarantine: q === null ? null : { ...q, level: to }, version: seq };
    }
    case 'AgentReleased':
      return { ...view, status: 'active', restrictions: restrictionsOf(d['restrictions']), quarantine: null, version: seq };
    case 'AgentTerminated':
      return { ...view, status: 'terminated', restrictions: restrictionsOf(d['restrictions']), quarantine: null, version: seq };
    default: {
      const unhandled: never = type;
      void unhandled;
      return { ...view, version: seq };
    }
  }
}

export const agentsProjection: ProjectionDefinition<AgentView> = {
  name: 'agents',
  table: 'agents',
  kind: 'row',
  columns: [
    { name: 'agent_id', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'severity', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'reason_code', type: 'text' },
    { name: 'quarantined', type: 'boolean' },
    { name: 'version', type: 'bigint' },
    { name: 'doc', type: 'jsonb' },
  ],
  eventTypes: AGENT_EVENT_TYPES,
  keyOf: (e) => (isAgentAggregate(e.envelope) ? e.envelope.aggregateId : null),
  evolve: evolveAgent,
  toColumns: (v) => [
    v.agentId,
    v.status,
    v.quarantine?.severity ?? null,
    v.quarantine?.source ?? null,
    v.quarantine?.reasonCode ?? null,
    v.quarantine !== null,
    v.version,
    v,
  ],
  fromColumns: (row) => {
    const doc = row['doc'] as AgentView;
    return { ...doc, version: toNumber(row['version']) };
  },
};
