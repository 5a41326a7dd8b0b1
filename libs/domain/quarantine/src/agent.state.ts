import { NO_RESTRICTIONS } from '@immune/contracts';
import type {
  AgentEvent,
  AgentStatus,
  ApprovalState,
  Diagnosis,
  ExhaustionEscalation,
  HealMode,
  HealingAction,
  HealingState,
  QuarantineLevel,
  ReasonCode,
  Restrictions,
  Severity,
} from '@immune/contracts';
import { elapsedSeconds } from './agent.time';

/** The quarantine entry an agent is in right now. */
export interface ActiveQuarantine {
  quarantineId: string;
  level: QuarantineLevel;
  reasonCode: ReasonCode;
  reason: string;
  severity: Severity;
  source: string;
  /** The `occurredAt` of the AgentQuarantined envelope. */
  quarantinedAt: string;
  expiresAt: string | null;
  healMode: HealMode;
  diagnoses: Diagnosis[];
  deviation: number | null;
  noteCount: number;
  escalationCount: number;
  lastEscalatedAt: string | null;
  /**
   * An operator's say on healing: `none` until a detection asks for it (manual quarantines and automatic ones
   * below the approval threshold stay `none`), `pending` after ApprovalRequested, then `approved` or `rejected`.
   * Heal-now settles a `pending` or `rejected` approval as `approved`.
   */
  approval: ApprovalState;
  /** The `occurredAt` of the last HealingRequested (heal-now) of this entry, or null. */
  healRequestedAt: string | null;
  /** Where healing of this entry stands (CONTRACT `healing`); details of the current or last healing below. */
  healing: HealingState;
  healingId: string | null;
  healingDiagnosis: string | null;
  /** The action being tried (sent, or on probation), null between attempts. */
  healingAction: HealingAction | null;
  /** The highest attempt number recorded in this healing (0 before the first). */
  healingAttempt: number;
  /** The order the healer meant to try actions in (HealingStarted `plan`). */
  healingPlan: HealingAction[];
  /** Actions tried in the current (or last) healing, in order. */
  healingTried: HealingAction[];
  /** The `occurredAt` of the last HealingExhausted of this entry (a later heal-now starts again). */
  healingEndedAt: string | null;
  /**
   * What the last HealingExhausted of the current healing asked for (`terminate` under `autoTerminate`), null
   * before: a healer that stopped between the exhaustion and the termination finishes it from the log.
   */
  healingEscalation?: ExhaustionEscalation | null;
}

/** A quarantine entry that has ended; the aggregate keeps a short summary of each, oldest first. */
export interface EndedQuarantine {
  quarantineId: string;
  level: QuarantineLevel;
  reasonCode: ReasonCode;
  severity: Severity;
  source: string;
  quarantinedAt: string;
  endedAt: string;
  outcome: 'released' | 'terminated';
  resolution: string;
  durationSeconds: number;
  noteCount: number;
  escalationCount: number;
}

export interface AgentState {
  agentId: string;
  registered: boolean;
  status: AgentStatus;
  restrictions: Restrictions;
  model: string | null;
  agentType: string | null;
  mcpServers: string[];
  registeredAt: string | null;
  quarantine: ActiveQuarantine | null;
  /** How many quarantine entries the agent has had, the active one included. */
  quarantineCount: number;
  history: EndedQuarantine[];
  terminatedAt: string | null;
  terminationResolution: string | null;
  /**
   * Immune memory of this agent: per diagnosis, the actions that failed and have not succeeded since (the healer
   * skips them). Kept across quarantine entries.
   */
  failedActions: Record<string, HealingAction[]>;
}

/** An event of the agent's stream with the time of its envelope. */
export interface TimedAgentEvent {
  event: AgentEvent;
  occurredAt: string;
}

export function initialState(agentId: string): AgentState {
  return {
    agentId,
    registered: false,
    status: 'active',
    restrictions: { ...NO_RESTRICTIONS },
    model: null,
    agentType: null,
    mcpServers: [],
    registeredAt: null,
    quarantine: null,
    quarantineCount: 0,
    history: [],
    terminatedAt: null,
    terminationResolution: null,
    failedActions: {},
  };
}

/**
 * Applies one event. Total and tolerant: events are facts, so it never throws and never mutates `state`.
 * - Termination is final: once terminated, later events change nothing.
 * - Event types outside the AgentEvent union leave the state unchanged. Healing events move the open entry's
 *   `healing` (and the status: probation is `restricted`, a failed action `suspended` again) only when they name
 *   the entry and its current healing. AnomalyDetected is a record only; approval events move the open entry's `approval`, and
 *   only when they name that entry.
 * - QuarantineEscalated to `terminated` only counts the escalation: the AgentTerminated that decide emits
 *   right after it ends the agent. If that second append were lost the agent stays suspended (no work) and a
 *   retried command terminates it.
 */
export function evolve(state: AgentState, event: AgentEvent, occurredAt: string): AgentState {
  if (state.status === 'terminated') return state;
  switch (event.type) {
    case 'AgentRegistered': {
      const d = event.data;
      return {
        ...state,
        registered: true,
        registeredAt: state.registeredAt ?? occurredAt,
        model: d.model ?? null,
        agentType: d.agentType ?? null,
        mcpServers: Array.isArray(d.mcpServers) ? [...d.mcpServers] : [],
      };
    }
    case 'AgentQuarantined': {
      const d = event.data;
      // A redelivered copy of the entry already open is not a new quarantine.
      if (state.quarantine?.quarantineId === d.quarantineId) return state;
      return {
        ...state,
        status: d.level,
        restrictions: { ...d.restrictions },
        quarantine: {
          quarantineId: d.quarantineId,
          level: d.level,
          reasonCode: d.reasonCode,
          reason: d.reason,
          severity: d.severity,
          source: d.source,
          quarantinedAt: occurredAt,
          expiresAt: d.expiresAt,
          healMode: d.healMode,
          diagnoses: Array.isArray(d.diagnoses) ? d.diagnoses.map((x) => ({ ...x })) : [],
          deviation: d.deviation ?? null,
          noteCount: 0,
          escalationCount: 0,
          lastEscalatedAt: null,
          approval: 'none',
          healRequestedAt: null,
          healing: 'idle',
          healingId: null,
          healingDiagnosis: null,
          healingAction: null,
          healingAttempt: 0,
          healingPlan: [],
          healingTried: [],
          healingEndedAt: null,
          healingEscalation: null,
        },
        quarantineCount: state.quarantineCount + 1,
      };
    }
    case 'AnomalyDetected':
      // A record of what the sentinel saw; the AgentQuarantined that may follow it carries the effect.
      return state;
    case 'ApprovalRequested':
      return withApproval(state, event.data.quarantineId, 'pending');
    case 'HealingApproved':
      return withApproval(state, event.data.quarantineId, 'approved');
    case 'HealingRejected':
      return withApproval(state, event.data.quarantineId, 'rejected');
    case 'HealingRequested': {
      const q = state.quarantine;
      if (q === null || q.quarantineId !== event.data.quarantineId) return state;
      // Heal-now is the operator's decision: it settles an open or rejected approval as approved.
      const approval: ApprovalState = q.approval === 'pending' || q.approval === 'rejected' ? 'approved' : q.approval;
      return { ...state, quarantine: { ...q, approval, healRequestedAt: occurredAt } };
    }
    case 'QuarantineNoteAdded': {
      const q = state.quarantine;
      if (q === null || q.quarantineId !== event.data.quarantineId) return state;
      return { ...state, quarantine: { ...q, noteCount: q.noteCount + 1 } };
    }
    case 'QuarantineEscalated': {
      const d = event.data;
      const q = state.quarantine;
      const counted = q === null ? null : { ...q, escalationCount: q.escalationCount + 1, lastEscalatedAt: occurredAt };
      if (d.toLevel === 'terminated') return { ...state, quarantine: counted };
      return {
        ...state,
        status: d.toLevel,
        restrictions: { ...d.restrictions },
        quarantine: counted === null ? null : { ...counted, level: d.toLevel },
      };
    }
    case 'AgentReleased': {
      const d = event.data;
      return {
        ...state,
        status: 'active',
        restrictions: { ...d.restrictions },
        quarantine: null,
        history: closeEntry(state, 'released', d.resolution, d.durationSeconds, occurredAt),
      };
    }
    case 'AgentTerminated': {
      const d = event.data;
      return {
        ...state,
        status: 'terminated',
        restrictions: { ...d.restrictions },
        quarantine: null,
        history: closeEntry(state, 'terminated', d.resolution, d.durationSeconds, occurredAt),
        terminatedAt: occurredAt,
        terminationResolution: d.resolution,
      };
    }
    case 'HealingStarted': {
      const q = state.quarantine;
      const d = event.data;
      if (q === null || q.quarantineId !== d.quarantineId || q.healingId === d.healingId) return state;
      return {
        ...state,
        quarantine: {
          ...q,
          healing: 'in_progress',
          healingId: d.healingId,
          healingDiagnosis: d.diagnosis,
          healingAction: null,
          healingAttempt: 0,
          healingPlan: Array.isArray(d.plan) ? [...d.plan] : [],
          healingTried: [],
          healingEscalation: null,
        },
      };
    }
    case 'HealingProbationStarted': {
      const q = openHealing(state, event.data.quarantineId, event.data.healingId);
      if (q === null) return state;
      const d = event.data;
      return {
        ...state,
        status: 'restricted',
        restrictions: { ...d.restrictions },
        quarantine: {
          ...q,
          level: 'restricted',
          healing: 'probation',
          healingAction: d.action,
          healingAttempt: Math.max(q.healingAttempt, d.attempt),
          healingTried: q.healingTried.includes(d.action) ? q.healingTried : [...q.healingTried, d.action],
        },
      };
    }
    case 'HealingActionSucceeded': {
      const q = openHealing(state, event.data.quarantineId, event.data.healingId);
      if (q === null) return state;
      const d = event.data;
      const failed = state.failedActions[d.diagnosis];
      const failedActions =
        failed !== undefined && failed.includes(d.action)
          ? { ...state.failedActions, [d.diagnosis]: failed.filter((a) => a !== d.action) }
          : state.failedActions;
      return {
        ...state,
        status: 'restricted',
        restrictions: { ...d.restrictions },
        failedActions,
        quarantine: {
          ...q,
          level: 'restricted',
          healing: 'succeeded',
          healingAction: null,
          healingAttempt: Math.max(q.healingAttempt, d.attempt),
          healingTried: q.healingTried.includes(d.action) ? q.healingTried : [...q.healingTried, d.action],
        },
      };
    }
    case 'HealingActionFailed': {
      const q = openHealing(state, event.data.quarantineId, event.data.healingId);
      if (q === null) return state;
      const d = event.data;
      const failed = state.failedActions[d.diagnosis] ?? [];
      // An interrupted attempt says nothing about the action: it is not remembered as a failure.
      const failedActions =
        d.reason === 'interrupted' || failed.includes(d.action) ? state.failedActions : { ...state.failedActions, [d.diagnosis]: [...failed, d.action] };
      return {
        ...state,
        status: 'suspended',
        restrictions: { ...d.restrictions },
        failedActions,
        quarantine: {
          ...q,
          level: 'suspended',
          healing: 'in_progress',
          healingAction: null,
          healingAttempt: Math.max(q.healingAttempt, d.attempt),
          healingTried: q.healingTried.includes(d.action) ? q.healingTried : [...q.healingTried, d.action],
        },
      };
    }
    case 'HealingExhausted': {
      const q = openHealing(state, event.data.quarantineId, event.data.healingId);
      if (q === null) return state;
      return { ...state, quarantine: { ...q, healing: 'exhausted', healingAction: null, healingEndedAt: occurredAt, healingEscalation: event.data.escalation } };
    }
    default: {
      // Compile time: every AgentEvent is handled. Run time: a type we do not model changes nothing.
      const unhandled: never = event;
      void unhandled;
      return state;
    }
  }
}

/** Folds a stream of events from the initial state. */
export function replay(events: readonly TimedAgentEvent[], agentId: string): AgentState {
  return events.reduce((state, { event, occurredAt }) => evolve(state, event, occurredAt), initialState(agentId));
}

export function isQuarantined(state: AgentState): boolean {
  return state.quarantine !== null;
}

/** The open entry when it is in the healing `healingId` (not yet ended), else null. */
function openHealing(state: AgentState, quarantineId: string, healingId: string): ActiveQuarantine | null {
  const q = state.quarantine;
  if (q === null || q.quarantineId !== quarantineId || q.healingId !== healingId || q.healing === 'exhausted') return null;
  return q;
}

/** The open entry with another approval state; events about another (or no) entry change nothing. */
function withApproval(state: AgentState, quarantineId: string, approval: ApprovalState): AgentState {
  const q = state.quarantine;
  if (q === null || q.quarantineId !== quarantineId) return state;
  return { ...state, quarantine: { ...q, approval } };
}

function closeEntry(
  state: AgentState,
  outcome: EndedQuarantine['outcome'],
  resolution: string,
  durationSeconds: number | null,
  endedAt: string,
): EndedQuarantine[] {
  const q = state.quarantine;
  if (q === null) return state.history;
  const ended: EndedQuarantine = {
    quarantineId: q.quarantineId,
    level: q.level,
    reasonCode: q.reasonCode,
    severity: q.severity,
    source: q.source,
    quarantinedAt: q.quarantinedAt,
    endedAt,
    outcome,
    resolution,
    durationSeconds: durationSeconds ?? elapsedSeconds(q.quarantinedAt, Date.parse(endedAt)),
    noteCount: q.noteCount,
    escalationCount: q.escalationCount,
  };
  return [...state.history, ended];
}
