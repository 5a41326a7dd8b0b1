import { FULL_RESTRICTIONS, NO_RESTRICTIONS, isImmuneError } from '@immune/contracts';
import type { AgentCommand, AgentEvent } from '@immune/contracts';
import { decide } from './agent.decide';
import { evolve, initialState, isQuarantined, replay } from './agent.state';
import type { AgentState } from './agent.state';
import { AGENT_ID, T0, T1, at, command, deepFreeze, ev, given } from './agent.given.spec';

const T2 = '2025-03-01T10:05:00.000Z';

describe('agent state', () => {
  it('starts unregistered, active, unrestricted, with no quarantine and no history', () => {
    expect(initialState('a-9')).toEqual({
      agentId: 'a-9',
      registered: false,
      status: 'active',
      restrictions: NO_RESTRICTIONS,
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
    });
  });

  it('gives each initial state its own objects', () => {
    const a = initialState('a');
    const b = initialState('b');
    expect(a.restrictions).not.toBe(b.restrictions);
    expect(a.mcpServers).not.toBe(b.mcpServers);
    expect(a.restrictions).not.toBe(NO_RESTRICTIONS);
  });

  describe('evolve', () => {
    it('records registration info and the first registration time', () => {
      const registeredEvent: AgentEvent = {
        type: 'AgentRegistered',
        data: { model: 'm1', agentType: 't1', mcpServers: ['fs'] },
      };
      const again: AgentEvent = { type: 'AgentRegistered', data: { model: 'm2', agentType: null, mcpServers: [] } };
      const state = replay([at(T0, registeredEvent), at(T1, again)], AGENT_ID);
      expect(state).toMatchObject({ registered: true, registeredAt: T0, model: 'm2', agentType: null, mcpServers: [] });
    });

    it('opens a quarantine at the envelope time and counts it', () => {
      const state = replay([at(T0, ev.registered()), at(T1, ev.quarantined({ level: 'restricted', expiresAt: T2 }))], AGENT_ID);
      expect(state.status).toBe('restricted');
      expect(state.restrictions).toEqual(FULL_RESTRICTIONS);
      expect(state.quarantineCount).toBe(1);
      expect(state.quarantine).toEqual({
        quarantineId: 'q-1',
        level: 'restricted',
        reasonCode: 'manual',
        reason: 'misbehaving',
        severity: 'medium',
        source: 'ops-key',
        quarantinedAt: T1,
        expiresAt: T2,
        healMode: 'manual',
        diagnoses: [],
        deviation: null,
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
      });
      expect(isQuarantined(state)).toBe(true);
    });

    it('ignores a redelivered copy of the open quarantine', () => {
      const once = given([ev.registered(), ev.quarantined(), ev.note()]).state;
      const twice = evolve(once, ev.quarantined(), T2);
      expect(twice).toBe(once);
      expect(twice.quarantineCount).toBe(1);
    });

    it('ignores a note for another quarantine, or when none is open', () => {
      const quarantined = given([ev.registered(), ev.quarantined()]).state;
      expect(evolve(quarantined, ev.note('n-1', 'q-other'), T1)).toBe(quarantined);
      const active = given([ev.registered()]).state;
      expect(evolve(active, ev.note(), T1)).toBe(active);
    });

    it('moves a restricted quarantine to suspended on escalation', () => {
      const state = replay(
        [at(T0, ev.registered()), at(T0, ev.quarantined({ level: 'restricted' })), at(T1, ev.escalated())],
        AGENT_ID,
      );
      expect(state.status).toBe('suspended');
      expect(state.quarantine).toMatchObject({ level: 'suspended', escalationCount: 1, lastEscalatedAt: T1, quarantinedAt: T0 });
    });

    it('only counts an escalation to terminated: the AgentTerminated after it ends the agent', () => {
      const state = given([ev.registered(), ev.quarantined(), ev.escalated({ fromLevel: 'suspended', toLevel: 'terminated' })]).state;
      expect(state.status).toBe('suspended');
      expect(state.quarantine).toMatchObject({ level: 'suspended', escalationCount: 1 });
      // A lost second append leaves a suspended agent that a retried command can still terminate.
      expect(decide(command({ type: 'EscalateAgent', reason: 'retry', mayTerminate: true }), state).map((e) => e.type)).toEqual([
        'QuarantineEscalated',
        'AgentTerminated',
      ]);
    });

    it('applies an escalation without an open quarantine without throwing', () => {
      const state = given([ev.registered(), ev.escalated()]).state;
      expect(state.status).toBe('suspended');
      expect(state.quarantine).toBeNull();
    });

    it('closes the quarantine into the history on release', () => {
      const state = replay(
        [at(T0, ev.registered()), at(T0, ev.quarantined()), at(T1, ev.note()), at(T2, ev.released({ resolution: 'ok', durationSeconds: 300 }))],
        AGENT_ID,
      );
      expect(state.status).toBe('active');
      expect(state.restrictions).toEqual(NO_RESTRICTIONS);
      expect(state.quarantine).toBeNull();
      expect(isQuarantined(state)).toBe(false);
      expect(state.quarantineCount).toBe(1);
      expect(state.history).toEqual([
        {
          quarantineId: 'q-1',
          level: 'suspended',
          reasonCode: 'manual',
          severity: 'medium',
          source: 'ops-key',
          quarantinedAt: T0,
          endedAt: T2,
          outcome: 'released',
          resolution: 'ok',
          durationSeconds: 300,
          noteCount: 1,
          escalationCount: 0,
        },
      ]);
    });

    it('applies a release without an open quarantine without throwing', () => {
      const state = given([ev.registered(), ev.released()]).state;
      expect(state.status).toBe('active');
      expect(state.history).toEqual([]);
    });

    it('records the termination', () => {
      const state = replay([at(T0, ev.registered()), at(T2, ev.terminated({ resolution: 'retired' }))], AGENT_ID);
      expect(state).toMatchObject({ status: 'terminated', terminatedAt: T2, terminationResolution: 'retired', quarantine: null });
      expect(state.restrictions).toEqual(FULL_RESTRICTIONS);
    });

    it('derives the duration of a terminated entry from the times when the event has none', () => {
      const state = replay(
        [at(T0, ev.registered()), at(T0, ev.quarantined()), at(T2, ev.terminated({ quarantineId: 'q-1', durationSeconds: null }))],
        AGENT_ID,
      );
      expect(state.history[0]).toMatchObject({ outcome: 'terminated', durationSeconds: 300 });
    });

    it('treats termination as final: later events change nothing', () => {
      const terminated = given([ev.registered(), ev.terminated()]).state;
      for (const later of [ev.registered(), ev.quarantined(), ev.note(), ev.escalated(), ev.released(), ev.terminated({ resolution: 'again' })]) {
        expect(evolve(terminated, later, T2)).toBe(terminated);
      }
    });

    it('leaves the state unchanged for an event type it does not model', () => {
      const state = given([ev.registered(), ev.quarantined()]).state;
      const foreign = { type: 'HealingStarted', data: { action: 'reset_memory' } } as unknown as AgentEvent;
      expect(() => evolve(state, foreign, T1)).not.toThrow();
      expect(evolve(state, foreign, T1)).toBe(state);
    });

    it('never mutates the state it is given', () => {
      const history: AgentEvent[] = [
        ev.registered(),
        ev.quarantined({ level: 'restricted', diagnoses: [{ hypothesis: 'loop', confidence: 0.9 }] }),
        ev.note(),
        ev.escalated(),
        ev.released(),
        ev.quarantined({ quarantineId: 'q-2' }),
        ev.terminated({ quarantineId: 'q-2' }),
      ];
      let state = deepFreeze(initialState(AGENT_ID));
      for (const e of history) state = deepFreeze(evolve(state, deepFreeze(e), T1));
      expect(state.history.map((h) => h.quarantineId)).toEqual(['q-1', 'q-2']);
    });

    it('does not share arrays with the event', () => {
      const e = ev.quarantined({ diagnoses: [{ hypothesis: 'loop', confidence: 0.9 }] });
      const state = evolve(given([ev.registered()]).state, e, T1);
      expect(e.type === 'AgentQuarantined' && state.quarantine?.diagnoses).not.toBe(e.type === 'AgentQuarantined' && e.data.diagnoses);
    });
  });

  describe('replay', () => {
    it('is the initial state for no events', () => {
      expect(replay([], 'x')).toEqual(initialState('x'));
    });

    it('folds evolve with each event time', () => {
      const state = replay([at(T0, ev.registered()), at(T1, ev.quarantined()), at(T2, ev.note())], AGENT_ID);
      expect(state).toMatchObject({ registeredAt: T0, quarantine: { quarantinedAt: T1, noteCount: 1 } });
    });
  });

  describe('every sequence decide produces', () => {
    // Walks command sequences up to DEPTH steps from an unknown agent, applying what decide emits. States are
    // merged by shape (status, quarantine level, approval, heal request, ...) so the walk stays small while
    // reaching every combination the commands can produce.
    const DEPTH = 8;
    const commandsAt = (step: number): AgentCommand[] => {
      const meta = { now: new Date(Date.parse(T0) + step * 10_500).toISOString(), commandId: `c-${step}` };
      const infection = (suffix: string, over: { requiresApproval?: boolean; enforce?: boolean; fleetWide?: boolean }) =>
        command(
          {
            type: 'ReportInfection',
            detectionId: `d-${step}-${suffix}`,
            quarantineId: `q-${step}-${suffix}`,
            anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 6 }],
            deviation: 6,
            severity: 'high',
            diagnoses: [],
            requiresApproval: false,
            enforce: true,
            fleetWide: false,
            forensic: null,
            ...over,
          },
          { ...meta, actor: 'sentinel' },
        );
      return [
        command({ type: 'RegisterAgent' }, meta),
        command({ type: 'QuarantineAgent', quarantineId: `q-${step}-r`, reason: 'r', level: 'restricted', ttlSeconds: 60 }, meta),
        command({ type: 'QuarantineAgent', quarantineId: `q-${step}-s`, reason: 's' }, meta),
        command({ type: 'AddQuarantineNote', noteId: `n-${step}`, note: 'n' }, meta),
        command({ type: 'EscalateAgent', reason: 'e', mayTerminate: false }, meta),
        command({ type: 'EscalateAgent', reason: 'e', mayTerminate: true }, meta),
        command({ type: 'ReleaseAgent', resolution: 'ok' }, meta),
        command({ type: 'TerminateAgent', resolution: 'bye' }, meta),
        infection('a', { requiresApproval: true }),
        infection('i', {}),
        infection('o', { enforce: false }),
        command({ type: 'ApproveHealing' }, meta),
        command({ type: 'RejectHealing', reason: 'not now' }, meta),
        command({ type: 'RequestHealing' }, meta),
      ];
    };

    function shapeOf(s: AgentState): string {
      const q = s.quarantine;
      return JSON.stringify({
        registered: s.registered,
        status: s.status,
        ended: s.history.length > 0,
        q: q && { level: q.level, approval: q.approval, healRequested: q.healRequestedAt !== null, healMode: q.healMode, reasonCode: q.reasonCode },
      });
    }

    function checkInvariants(s: AgentState): void {
      const quarantinedStatus = s.status === 'restricted' || s.status === 'suspended';
      expect(s.quarantine !== null).toBe(quarantinedStatus);
      if (s.quarantine) expect(s.quarantine.level).toBe(s.status);
      expect(s.quarantineCount).toBe(s.history.length + (s.quarantine ? 1 : 0));
      expect(s.restrictions).toEqual(s.status === 'active' ? NO_RESTRICTIONS : FULL_RESTRICTIONS);
      expect(s.terminatedAt !== null).toBe(s.status === 'terminated');
      for (const h of s.history) expect(h.durationSeconds).toBeGreaterThanOrEqual(0);
      if (!s.registered) expect(s).toEqual(initialState(AGENT_ID));
      if (s.quarantine) {
        // Only a detection asks for approval, and heal-now settles a pending one.
        if (s.quarantine.healMode === 'manual') expect(s.quarantine.approval).toBe('none');
        if (s.quarantine.approval === 'pending') expect(s.quarantine.healRequestedAt).toBeNull();
      }
    }

    it(`evolves without throwing, refuses only with ImmuneError, and keeps the invariants (depth ${DEPTH})`, () => {
      let frontier: AgentState[] = [initialState(AGENT_ID)];
      let transitions = 0;
      const seenTypes = new Set<string>();
      const seenCodes = new Set<string>();
      const seenShapes = new Set<string>();
      for (let step = 0; step < DEPTH; step++) {
        const next = new Map<string, AgentState>();
        for (const state of frontier) {
          for (const cmd of commandsAt(step)) {
            let events: AgentEvent[];
            try {
              events = decide(cmd, state);
            } catch (e) {
              if (!isImmuneError(e)) throw e;
              seenCodes.add(e.code);
              continue;
            }
            const after = events.reduce((s, e) => evolve(s, e, cmd.now), state);
            events.forEach((e) => seenTypes.add(e.type));
            checkInvariants(after);
            transitions++;
            const shape = shapeOf(after);
            seenShapes.add(shape);
            if (events.length > 0 && !next.has(shape)) next.set(shape, after);
          }
        }
        frontier = [...next.values()];
      }
      expect(transitions).toBeGreaterThan(900);
      expect(seenShapes.size).toBeGreaterThan(20);
      expect([...seenTypes].sort()).toEqual([
        'AgentQuarantined',
        'AgentRegistered',
        'AgentReleased',
        'AgentTerminated',
        'AnomalyDetected',
        'ApprovalRequested',
        'HealingApproved',
        'HealingRejected',
        'HealingRequested',
        'QuarantineEscalated',
        'QuarantineNoteAdded',
      ]);
      expect([...seenCodes].sort()).toEqual([
        'AGENT.NOT_FOUND',
        'AGENT.TERMINATED',
        'APPROVAL.NOT_PENDING',
        'QUARANTINE.ALREADY_ACTIVE',
        'QUARANTINE.NOT_ACTIVE',
        'QUARANTINE.TERMINATE_REQUIRES_ADMIN',
      ]);
    });
  });
});
