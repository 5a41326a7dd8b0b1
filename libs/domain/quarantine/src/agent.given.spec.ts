// Test kit for the agent decider: given(events).when(command).then(events | errorCode).
// Named *.spec.ts so the build leaves it out; not *.unit.spec.ts, so jest does not run it as a suite.
import { FULL_RESTRICTIONS, NO_RESTRICTIONS, isImmuneError } from '@immune/contracts';
import type {
  AgentCommand,
  AgentCommandBody,
  AgentEvent,
  AgentQuarantinedData,
  AgentReleasedData,
  AgentTerminatedData,
  AnomalyDetectedData,
  CommandMeta,
  ErrorCode,
  ImmuneError,
  QuarantineEscalatedData,
} from '@immune/contracts';
import { decide } from './agent.decide';
import { evolve, replay } from './agent.state';
import type { AgentState, TimedAgentEvent } from './agent.state';

export const AGENT_ID = 'agent-1';
export const ACTOR = 'ops-key';
/** When the history events happened unless a test says otherwise. */
export const T0 = '2025-03-01T10:00:00.000Z';
/** Default time of a command: 90 s after T0. */
export const T1 = '2025-03-01T10:01:30.000Z';

export type HistoryItem = AgentEvent | TimedAgentEvent;

export function at(occurredAt: string, event: AgentEvent): TimedAgentEvent {
  return { event, occurredAt };
}

export function command<T extends AgentCommandBody>(body: T, meta: Partial<CommandMeta> = {}): T & CommandMeta {
  return { commandId: 'cmd-1', agentId: AGENT_ID, actor: ACTOR, now: T1, ...meta, ...body };
}

export const ev = {
  registered: (): AgentEvent => ({ type: 'AgentRegistered', data: { model: null, agentType: null, mcpServers: [] } }),
  quarantined: (over: Partial<AgentQuarantinedData> = {}): AgentEvent => ({
    type: 'AgentQuarantined',
    data: {
      quarantineId: 'q-1',
      level: 'suspended',
      reasonCode: 'manual',
      reason: 'misbehaving',
      severity: 'medium',
      source: ACTOR,
      expiresAt: null,
      restrictions: { ...FULL_RESTRICTIONS },
      healMode: 'manual',
      diagnoses: [],
      deviation: null,
      forensic: null,
      ...over,
    },
  }),
  note: (noteId = 'n-1', quarantineId = 'q-1'): AgentEvent => ({
    type: 'QuarantineNoteAdded',
    data: { quarantineId, noteId, note: 'looked at it' },
  }),
  escalated: (over: Partial<QuarantineEscalatedData> = {}): AgentEvent => ({
    type: 'QuarantineEscalated',
    data: {
      quarantineId: 'q-1',
      fromLevel: 'restricted',
      toLevel: 'suspended',
      reason: 'worse',
      restrictions: { ...FULL_RESTRICTIONS },
      ...over,
    },
  }),
  released: (over: Partial<AgentReleasedData> = {}): AgentEvent => ({
    type: 'AgentReleased',
    data: { quarantineId: 'q-1', resolution: 'fixed', durationSeconds: 90, restrictions: { ...NO_RESTRICTIONS }, ...over },
  }),
  terminated: (over: Partial<AgentTerminatedData> = {}): AgentEvent => ({
    type: 'AgentTerminated',
    data: { quarantineId: null, resolution: 'gone', durationSeconds: null, restrictions: { ...FULL_RESTRICTIONS }, ...over },
  }),
  anomaly: (over: Partial<AnomalyDetectedData> = {}): AgentEvent => ({
    type: 'AnomalyDetected',
    data: {
      detectionId: 'd-1',
      anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.2 }],
      deviation: 7.2,
      severity: 'high',
      diagnoses: [],
      enforced: true,
      fleetWide: false,
      quarantineId: 'q-1',
      ...over,
    },
  }),
  approvalRequested: (quarantineId = 'q-1'): AgentEvent => ({
    type: 'ApprovalRequested',
    data: { quarantineId, deviation: 7.2, reason: 'latency_spike at 7.2σ' },
  }),
  approved: (quarantineId = 'q-1', reason: string | null = null): AgentEvent => ({ type: 'HealingApproved', data: { quarantineId, reason } }),
  rejected: (quarantineId = 'q-1', reason: string | null = null): AgentEvent => ({ type: 'HealingRejected', data: { quarantineId, reason } }),
  healRequested: (quarantineId = 'q-1', reason: string | null = null): AgentEvent => ({ type: 'HealingRequested', data: { quarantineId, reason } }),
};

/** Freezes a value and everything in it, so a decider or evolve that mutates its input fails loudly. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export interface Then {
  /** Expects exactly these events; returns the state after applying them at the command's `now`. */
  then(expected: AgentEvent[]): AgentState;
  /** Expects an ImmuneError with this code; returns it for further checks. */
  then(expected: ErrorCode): ImmuneError;
  /** Runs the decider and returns what it emitted, for partial assertions. */
  events(): AgentEvent[];
}

export function given(history: HistoryItem[] = []) {
  const timed = history.map((h): TimedAgentEvent => ('event' in h ? h : at(T0, h)));
  const state = deepFreeze(replay(timed, AGENT_ID));
  return {
    state,
    when(cmd: AgentCommand): Then {
      const run = (): AgentEvent[] => decide(deepFreeze(cmd), state);
      function then(expected: AgentEvent[]): AgentState;
      function then(expected: ErrorCode): ImmuneError;
      function then(expected: AgentEvent[] | ErrorCode): AgentState | ImmuneError {
        if (typeof expected === 'string') {
          let caught: unknown = undefined;
          let emitted: AgentEvent[] | undefined;
          try {
            emitted = run();
          } catch (e) {
            caught = e;
          }
          if (!isImmuneError(caught)) {
            throw new Error(
              `expected ImmuneError ${expected}, got ${caught === undefined ? `events ${JSON.stringify(emitted)}` : String(caught)}`,
            );
          }
          expect(caught.code).toBe(expected);
          return caught;
        }
        const emitted = run();
        expect(emitted).toEqual(expected);
        return emitted.reduce((s, e) => evolve(deepFreeze(s), e, cmd.now), state);
      }
      return { then, events: run };
    },
  };
}
