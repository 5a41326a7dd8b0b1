import { AGENT_EVENT_TYPES, NO_RESTRICTIONS, type AgentView, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import {
  approvalAfter,
  copyQuarantineView,
  dataOf,
  healingAfter,
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
 * events this projection does not model (healing workflow), and the version must still match the log's for
 * `If-Match` to work. Those events change nothing else. AnomalyDetected is a record only (the AgentQuarantined
 * after it carries the effect); approval events move the open entry's `approval` when they name that entry.
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
  const next = copyAgent(view);
  next.version = seq;
  if (!isAgentEventType(type) || view.status === 'terminated') return next;
  const d = dataOf(envelope);
  switch (type) {
    case 'AgentRegistered':
      next.model = textOrNull(d['model']);
      next.agentType = textOrNull(d['agentType']);
      next.mcpServers = stringList(d['mcpServers']);
      return next;
    case 'AgentQuarantined':
      // A redelivered copy of the open entry is not a new quarantine.
      if (view.quarantine?.quarantineId === d['quarantineId']) return next;
      next.quarantine = quarantineViewOf(envelope);
      next.status = next.quarantine.level;
      next.restrictions = restrictionsOf(d['restrictions']);
      return next;
    case 'QuarantineNoteAdded': {
      const q = view.quarantine;
      const noteId = text(d['noteId'], '');
      if (q === null || q.quarantineId !== d['quarantineId'] || q.notes.some((n) => n.noteId === noteId)) return next;
      const quarantine = copyQuarantineView(q);
      quarantine.notes = [...q.notes, { noteId, note: text(d['note'], ''), author: envelope.actor, at: envelope.occurredAt }];
      next.quarantine = quarantine;
      return next;
    }
    case 'QuarantineEscalated': {
      const to = d['toLevel'];
      // To `terminated` it only counts: the AgentTerminated the decider appends right after ends the agent.
      if (to !== 'restricted' && to !== 'suspended') return next;
      next.status = to;
      next.restrictions = restrictionsOf(d['restrictions']);
      if (view.quarantine !== null) {
        next.quarantine = copyQuarantineView(view.quarantine);
        next.quarantine.level = to;
      }
      return next;
    }
    case 'AgentReleased':
      next.status = 'active';
      next.restrictions = restrictionsOf(d['restrictions']);
      next.quarantine = null;
      return next;
    case 'AgentTerminated':
      next.status = 'terminated';
      next.restrictions = restrictionsOf(d['restrictions']);
      next.quarantine = null;
      return next;
    case 'AnomalyDetected':
      return next;
    case 'ApprovalRequested':
    case 'HealingApproved':
    case 'HealingRejected':
    case 'HealingRequested': {
      const q = view.quarantine;
      if (q === null || q.quarantineId !== d['quarantineId']) return next;
      const quarantine = copyQuarantineView(q);
      quarantine.approval = approvalAfter(type, q.approval);
      if (type === 'HealingRequested') quarantine.healRequestedAt = envelope.occurredAt;
      next.quarantine = quarantine;
      return next;
    }
    case 'HealingStarted':
    case 'HealingProbationStarted':
    case 'HealingActionSucceeded':
    case 'HealingActionFailed':
    case 'HealingExhausted': {
      // Healing of the open entry: its `healing`, and the status when the event carries one (probation, failure).
      const q = view.quarantine;
      if (q === null || q.quarantineId !== d['quarantineId']) return next;
      const after = healingAfter(type);
      const quarantine = copyQuarantineView(q);
      quarantine.healing = after.healing;
      // Only an event that carries its restrictions moves the status (the decider always writes them).
      if (after.level !== null && typeof d['restrictions'] === 'object' && d['restrictions'] !== null) {
        quarantine.level = after.level;
        next.status = after.level;
        next.restrictions = restrictionsOf(d['restrictions']);
      }
      next.quarantine = quarantine;
      return next;
    }
    default: {
      const unhandled: never = type;
      void unhandled;
      return next;
    }
  }
}

/** A field-by-field copy (see copyQuarantineView for why not a spread). */
function copyAgent(v: AgentView): AgentView {
  return {
    agentId: v.agentId,
    status: v.status,
    restrictions: v.restrictions,
    quarantine: v.quarantine,
    baseline: v.baseline,
    lastVitalAt: v.lastVitalAt,
    model: v.model,
    agentType: v.agentType,
    mcpServers: v.mcpServers,
    registeredAt: v.registeredAt,
    version: v.version,
  };
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
    const doc = copyAgent(row['doc'] as AgentView);
    doc.version = toNumber(row['version']);
    return doc;
  },
};
