import {
  AGENT_EVENT_TYPES,
  HEALING_EVENT_TYPES,
  NO_RESTRICTIONS,
  type AgentEventType,
  type AgentQuarantinedData,
  type ApprovalState,
  type Diagnosis,
  type EventEnvelope,
  type HealingState,
  type QuarantineLevel,
  type QuarantineView,
  type Restrictions,
} from '@immune/contracts';

const AGENT_TYPES: ReadonlySet<string> = new Set(AGENT_EVENT_TYPES);

export function isAgentEventType(type: string): type is AgentEventType {
  return AGENT_TYPES.has(type);
}

/** An event of the agent aggregate: its subject is `{ns}.events.agent.{agentId}` and aggregateId the agent. */
export function isAgentAggregate(envelope: EventEnvelope): boolean {
  return envelope.aggregate === 'agent';
}

/**
 * The data of a stored event as a loose record. The log is written by our own deciders, but a projection that
 * throws on an odd field would stop the projector: reads below fall back instead of trusting shapes.
 */
export function dataOf(envelope: EventEnvelope): Record<string, unknown> {
  const d = envelope.data;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>) : {};
}

export function text(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

export function textOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** An integer an `integer` column holds, else null (1.5, "2" or 2^40 would make PostgreSQL refuse the row). */
export function int32OrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2_147_483_648 && v <= 2_147_483_647 ? v : null;
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function restrictionsOf(v: unknown): Restrictions {
  if (typeof v !== 'object' || v === null) return { ...NO_RESTRICTIONS };
  const r = v as Partial<Record<keyof Restrictions, unknown>>;
  return {
    toolsRevoked: r.toolsRevoked === true,
    autonomyReduced: r.autonomyReduced === true,
    replicationBlocked: r.replicationBlocked === true,
    networkRestricted: r.networkRestricted === true,
    probation: r.probation === true,
  };
}

/** `data.quarantineId` when it is a string (AgentTerminated of an agent that was not quarantined has null). */
export function quarantineIdOf(envelope: EventEnvelope): string | null {
  return textOrNull(dataOf(envelope)['quarantineId']);
}

/** Seconds between two ISO-8601 times, never negative (fallback when an event carries no duration). */
export function elapsedSeconds(fromIso: string, toIso: string): number {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/** The quarantine entry an AgentQuarantined event opens; approval and healing start at rest. */
export function quarantineViewOf(envelope: EventEnvelope): QuarantineView {
  const d = dataOf(envelope) as Partial<Record<keyof AgentQuarantinedData, unknown>>;
  return {
    quarantineId: text(d.quarantineId, ''),
    level: d.level === 'restricted' ? 'restricted' : 'suspended',
    reasonCode: text(d.reasonCode, 'manual') as QuarantineView['reasonCode'],
    reason: text(d.reason, ''),
    severity: text(d.severity, 'medium') as QuarantineView['severity'],
    source: text(d.source, envelope.actor),
    quarantinedAt: envelope.occurredAt,
    expiresAt: textOrNull(d.expiresAt),
    approval: 'none',
    healing: 'idle',
    diagnoses: Array.isArray(d.diagnoses) ? (d.diagnoses as Diagnosis[]) : [],
    deviation: numberOrNull(d.deviation),
    notes: [],
    healMode: d.healMode === 'automatic' ? 'automatic' : 'manual',
    healRequestedAt: null,
  };
}

/** The approval events that change an open quarantine entry (both projections apply them the same way). */
export const APPROVAL_EVENT_TYPES = ['ApprovalRequested', 'HealingApproved', 'HealingRejected', 'HealingRequested'] as const;
export type ApprovalEventType = (typeof APPROVAL_EVENT_TYPES)[number];

/**
 * An entry's approval after an approval event, as the agent aggregate decides it: ApprovalRequested → pending,
 * HealingApproved → approved, HealingRejected → rejected; heal-now (HealingRequested) settles pending or
 * rejected as approved and leaves none (manual quarantines) or approved as it was.
 */
export function approvalAfter(type: ApprovalEventType, current: ApprovalState): ApprovalState {
  switch (type) {
    case 'ApprovalRequested':
      return 'pending';
    case 'HealingApproved':
      return 'approved';
    case 'HealingRejected':
      return 'rejected';
    case 'HealingRequested':
      return current === 'pending' || current === 'rejected' ? 'approved' : current;
    default: {
      const unknownType: never = type;
      void unknownType;
      return current;
    }
  }
}

/** The healing events that change an open quarantine entry's `healing` (both projections apply them the same way). */
export const HEALING_VIEW_EVENT_TYPES = HEALING_EVENT_TYPES;
export type HealingViewEventType = (typeof HEALING_VIEW_EVENT_TYPES)[number];

/**
 * An entry's `healing` and level after a healing event, as the agent aggregate decides it: started → in_progress,
 * probation started → probation (restricted), action succeeded → succeeded (restricted; an AgentReleased may
 * follow), action failed → in_progress (suspended again), exhausted → exhausted (level unchanged).
 */
export function healingAfter(type: HealingViewEventType): { healing: HealingState; level: QuarantineLevel | null } {
  switch (type) {
    case 'HealingStarted':
      return { healing: 'in_progress', level: null };
    case 'HealingProbationStarted':
      return { healing: 'probation', level: 'restricted' };
    case 'HealingActionSucceeded':
      return { healing: 'succeeded', level: 'restricted' };
    case 'HealingActionFailed':
      return { healing: 'in_progress', level: 'suspended' };
    case 'HealingExhausted':
      return { healing: 'exhausted', level: null };
    default: {
      const unknownType: never = type;
      void unknownType;
      return { healing: 'idle', level: null };
    }
  }
}

// Copies written out field by field: V8 makes `{ ...obj, newField }` very slow (≈20 µs for these shapes), and a
// rebuild evolves hundreds of thousands of rows. Evolve functions copy, then set fields on the fresh copy.

export function copyQuarantineView(q: QuarantineView): QuarantineView {
  return {
    quarantineId: q.quarantineId,
    level: q.level,
    reasonCode: q.reasonCode,
    reason: q.reason,
    severity: q.severity,
    source: q.source,
    quarantinedAt: q.quarantinedAt,
    expiresAt: q.expiresAt,
    approval: q.approval,
    healing: q.healing,
    diagnoses: q.diagnoses,
    deviation: q.deviation,
    notes: q.notes,
    healMode: q.healMode,
    healRequestedAt: q.healRequestedAt,
  };
}
