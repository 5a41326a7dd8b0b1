import { FULL_RESTRICTIONS, NO_RESTRICTIONS } from '@immune/contracts';
import type { AgentCommand, AgentEvent, QuarantineAgent } from '@immune/contracts';
import { decide, QUARANTINE_DEFAULTS } from './agent.decide';
import { AGENT_ID, T1, at, command, ev, given } from './agent.given.spec';
import { initialState } from './agent.state';

const quarantine = (over: Partial<QuarantineAgent> = {}, meta = {}) =>
  command({ type: 'QuarantineAgent', quarantineId: 'q-1', reason: 'misbehaving', ...over }, meta);
const release = (resolution = 'fixed', meta = {}) => command({ type: 'ReleaseAgent', resolution }, meta);
const escalate = (mayTerminate = false, reason = 'worse', meta = {}) =>
  command({ type: 'EscalateAgent', reason, mayTerminate }, meta);
const terminate = (resolution = 'gone', meta = {}) => command({ type: 'TerminateAgent', resolution }, meta);
const note = (text = 'looked at it', noteId = 'n-1') => command({ type: 'AddQuarantineNote', noteId, note: text });
const register = (over = {}) => command({ type: 'RegisterAgent', ...over });

/** The AgentQuarantined decide emits for `quarantine()` with every default. */
const defaultQuarantined = ev.quarantined();

const registered = [ev.registered()];
const restricted = [ev.registered(), ev.quarantined({ level: 'restricted' })];
const suspended = [ev.registered(), ev.quarantined()];
const released = [...suspended, ev.released()];
const terminatedAgent = [ev.registered(), ev.terminated()];

const everyCommandButRegister: Array<[string, AgentCommand]> = [
  ['QuarantineAgent', quarantine()],
  ['ReleaseAgent', release()],
  ['EscalateAgent', escalate(true)],
  ['TerminateAgent', terminate()],
  ['AddQuarantineNote', note()],
  ['ApproveHealing', command({ type: 'ApproveHealing' })],
  ['RejectHealing', command({ type: 'RejectHealing' })],
  ['RequestHealing', command({ type: 'RequestHealing' })],
];

describe('agent decider', () => {
  describe('command metadata', () => {
    it('refuses a command addressed to another agent', () => {
      const err = given(registered).when(terminate('x', { agentId: 'agent-2' })).then('VALIDATION.FAILED');
      expect(err.detail).toContain('agent-2');
    });

    it.each(['', 'yesterday', '2025-03-01', '2025-03-01T10:00:00', '2025-13-45T99:99:99Z'])(
      'refuses a command whose now is not an ISO date-time with a zone (%j)',
      (now) => {
        const err = given(registered).when(terminate('x', { now })).then('VALIDATION.FAILED');
        expect(err.extra['field']).toBe('now');
      },
    );

    it('accepts a now with a zone offset', () => {
      expect(given(registered).when(terminate('x', { now: '2025-03-01T12:00:00+02:00' })).events()).toHaveLength(1);
    });

    it('refuses an unknown command type with VALIDATION.FAILED', () => {
      const bogus = { ...terminate(), type: 'Explode' } as unknown as AgentCommand;
      given(registered).when(bogus).then('VALIDATION.FAILED');
    });
  });

  describe('RegisterAgent', () => {
    it('registers an unknown agent with defaults null, null, []', () => {
      const state = given().when(register()).then([
        { type: 'AgentRegistered', data: { model: null, agentType: null, mcpServers: [] } },
      ]);
      expect(state.registered).toBe(true);
      expect(state.registeredAt).toBe(T1);
      expect(state.status).toBe('active');
    });

    it('carries model, agentType and mcpServers', () => {
      const state = given()
        .when(register({ model: 'gpt-x', agentType: 'coder', mcpServers: ['fs', 'git'] }))
        .then([{ type: 'AgentRegistered', data: { model: 'gpt-x', agentType: 'coder', mcpServers: ['fs', 'git'] } }]);
      expect(state).toMatchObject({ model: 'gpt-x', agentType: 'coder', mcpServers: ['fs', 'git'] });
    });

    it('is a no-op on a registered agent', () => {
      given(registered).when(register()).then([]);
    });

    it('is a no-op on a registered agent even when the registration info differs (not tracked yet)', () => {
      given(registered).when(register({ model: 'other', agentType: 'planner', mcpServers: ['web'] })).then([]);
    });

    it('is a no-op on a quarantined agent', () => {
      given(suspended).when(register()).then([]);
    });

    it('is a no-op on a terminated agent', () => {
      given(terminatedAgent).when(register()).then([]);
    });

    it.each([
      ['mcpServers not an array', { mcpServers: 'fs' }, 'mcpServers'],
      ['an mcpServers entry not a string', { mcpServers: ['fs', 3] }, 'mcpServers[1]'],
      ['model not a string', { model: 42 }, 'model'],
      ['agentType not a string', { agentType: {} }, 'agentType'],
    ])('refuses %s', (_label, over, field) => {
      const err = given().when(register(over)).then('VALIDATION.FAILED');
      expect(err.extra['field']).toBe(field);
    });
  });

  describe('unregistered agent', () => {
    it.each(everyCommandButRegister)('%s → AGENT.NOT_FOUND', (_name, cmd) => {
      const err = given().when(cmd).then('AGENT.NOT_FOUND');
      expect(err.status).toBe(404);
      expect(err.detail).toContain(AGENT_ID);
    });
  });

  describe('terminated agent', () => {
    describe.each([
      ['terminated directly', terminatedAgent],
      ['terminated from quarantine', [...suspended, ev.terminated({ quarantineId: 'q-1', durationSeconds: 5 })]],
      [
        'terminated by escalation',
        [...suspended, ev.escalated({ fromLevel: 'suspended', toLevel: 'terminated' }), ev.terminated({ quarantineId: 'q-1' })],
      ],
    ])('%s', (_label, history) => {
      it.each(everyCommandButRegister)('%s → AGENT.TERMINATED', (_name, cmd) => {
        expect(given(history).when(cmd).then('AGENT.TERMINATED').status).toBe(409);
      });
    });

    it('refuses before validating the command', () => {
      given(terminatedAgent).when(quarantine({ reason: '' })).then('AGENT.TERMINATED');
    });
  });

  describe('QuarantineAgent', () => {
    it('applies every default: manual, medium, suspended, source = actor, heal manual, no expiry', () => {
      expect(QUARANTINE_DEFAULTS).toEqual({ reasonCode: 'manual', severity: 'medium', level: 'suspended', healMode: 'manual' });
      const state = given(registered).when(quarantine()).then([defaultQuarantined]);
      expect(state.status).toBe('suspended');
      expect(state.restrictions).toEqual(FULL_RESTRICTIONS);
      expect(state.quarantineCount).toBe(1);
      expect(state.quarantine).toMatchObject({ quarantineId: 'q-1', level: 'suspended', quarantinedAt: T1, noteCount: 0 });
    });

    it('takes the source from the command actor', () => {
      const [e] = given(registered).when(quarantine({}, { actor: 'sentinel' })).events();
      expect(e).toMatchObject({ type: 'AgentQuarantined', data: { source: 'sentinel' } });
    });

    it('carries every given field', () => {
      const fields = {
        reasonCode: 'anomaly',
        severity: 'critical',
        level: 'restricted',
        source: 'sentinel',
        healMode: 'automatic',
        diagnoses: [{ hypothesis: 'prompt_injection', confidence: 0.95, evidence: ['prompt_change'] }],
        deviation: 9.5,
        forensic: { recentVitals: [1, 2, 3] },
      } satisfies Partial<QuarantineAgent>;
      const state = given(registered).when(quarantine(fields)).then([ev.quarantined(fields)]);
      expect(state.status).toBe('restricted');
      expect(state.quarantine).toMatchObject({
        level: 'restricted',
        reasonCode: 'anomaly',
        severity: 'critical',
        source: 'sentinel',
        healMode: 'automatic',
        deviation: 9.5,
        diagnoses: fields.diagnoses,
      });
    });

    it.each(['restricted', 'suspended'] as const)('restricts everything but probation at level %s', (level) => {
      const [e] = given(registered).when(quarantine({ level })).events();
      expect(e?.type === 'AgentQuarantined' && e.data.restrictions).toEqual({
        toolsRevoked: true,
        autonomyReduced: true,
        replicationBlocked: true,
        networkRestricted: true,
        probation: false,
      });
    });

    it('trims the reason', () => {
      const [e] = given(registered).when(quarantine({ reason: '  looping  ' })).events();
      expect(e?.type === 'AgentQuarantined' && e.data.reason).toBe('looping');
    });

    it('treats JSON nulls of optional fields as absent', () => {
      const nulls = { reasonCode: null, severity: null, level: null, ttlSeconds: null, source: null, healMode: null, diagnoses: null };
      given(registered)
        .when(quarantine(nulls as unknown as Partial<QuarantineAgent>))
        .then([defaultQuarantined]);
    });

    describe('expiry', () => {
      it('is now + ttlSeconds', () => {
        const state = given(registered)
          .when(quarantine({ ttlSeconds: 3600 }))
          .then([ev.quarantined({ expiresAt: '2025-03-01T11:01:30.000Z' })]);
        expect(state.quarantine?.expiresAt).toBe('2025-03-01T11:01:30.000Z');
      });

      it('is in UTC when now has an offset', () => {
        const [e] = given(registered)
          .when(quarantine({ ttlSeconds: 90 }, { now: '2025-03-01T12:00:00+02:00' }))
          .events();
        expect(e?.type === 'AgentQuarantined' && e.data.expiresAt).toBe('2025-03-01T10:01:30.000Z');
      });

      it('crosses a day and year boundary', () => {
        const [e] = given(registered)
          .when(quarantine({ ttlSeconds: 86_400 * 2 }, { now: '2025-12-31T23:59:59.500Z' }))
          .events();
        expect(e?.type === 'AgentQuarantined' && e.data.expiresAt).toBe('2026-01-02T23:59:59.500Z');
      });

      it('is null without ttlSeconds', () => {
        const [e] = given(registered).when(quarantine()).events();
        expect(e?.type === 'AgentQuarantined' && e.data.expiresAt).toBeNull();
      });
    });

    it.each(['restricted', 'suspended'] as const)('refuses QUARANTINE.ALREADY_ACTIVE when %s', (level) => {
      const err = given([ev.registered(), ev.quarantined({ level })])
        .when(quarantine({ quarantineId: 'q-2' }))
        .then('QUARANTINE.ALREADY_ACTIVE');
      expect(err.status).toBe(409);
      expect(err.extra).toMatchObject({ status: level, quarantineId: 'q-1' });
    });

    it('refuses QUARANTINE.ALREADY_ACTIVE after an escalation to suspended', () => {
      given([...restricted, ev.escalated()]).when(quarantine({ quarantineId: 'q-2' })).then('QUARANTINE.ALREADY_ACTIVE');
    });

    describe('validation', () => {
      it.each<[string, Partial<QuarantineAgent>, Partial<{ actor: string }>, string]>([
        ['an empty reason', { reason: '' }, {}, 'reason'],
        ['a blank reason', { reason: ' \t\n ' }, {}, 'reason'],
        ['a missing reason', { reason: undefined as unknown as string }, {}, 'reason'],
        ['a blank quarantineId', { quarantineId: ' ' }, {}, 'quarantineId'],
        ['ttlSeconds 0', { ttlSeconds: 0 }, {}, 'ttlSeconds'],
        ['a negative ttlSeconds', { ttlSeconds: -60 }, {}, 'ttlSeconds'],
        ['a fractional ttlSeconds', { ttlSeconds: 1.5 }, {}, 'ttlSeconds'],
        ['a NaN ttlSeconds', { ttlSeconds: Number.NaN }, {}, 'ttlSeconds'],
        ['an infinite ttlSeconds', { ttlSeconds: Number.POSITIVE_INFINITY }, {}, 'ttlSeconds'],
        ['a string ttlSeconds', { ttlSeconds: '60' as unknown as number }, {}, 'ttlSeconds'],
        ['a ttlSeconds past the last representable date', { ttlSeconds: 9_000_000_000_000 }, {}, 'ttlSeconds'],
        ['an unknown reasonCode', { reasonCode: 'boredom' as never }, {}, 'reasonCode'],
        ['an unknown severity', { severity: 'urgent' as never }, {}, 'severity'],
        ['level terminated (not a quarantine level)', { level: 'terminated' as never }, {}, 'level'],
        ['level active', { level: 'active' as never }, {}, 'level'],
        ['an unknown healMode', { healMode: 'auto' as never }, {}, 'healMode'],
        ['a blank source', { source: '   ' }, {}, 'source'],
        ['no source and a blank actor', {}, { actor: ' ' }, 'actor'],
        ['a NaN deviation', { deviation: Number.NaN }, {}, 'deviation'],
        ['a negative deviation', { deviation: -1 }, {}, 'deviation'],
        ['diagnoses not an array', { diagnoses: {} as never }, {}, 'diagnoses'],
        ['a diagnosis confidence above 1', { diagnoses: [{ hypothesis: 'x', confidence: 1.5 }] }, {}, 'diagnoses[0].confidence'],
        ['a diagnosis with a blank hypothesis', { diagnoses: [{ hypothesis: '', confidence: 0.5 }] }, {}, 'diagnoses[0].hypothesis'],
        ['a forensic that is an array', { forensic: [] as never }, {}, 'forensic'],
      ])('refuses %s with VALIDATION.FAILED', (_label, over, meta, field) => {
        const err = given(registered).when(quarantine(over, meta)).then('VALIDATION.FAILED');
        expect(err.status).toBe(400);
        expect(err.extra['field']).toBe(field);
        expect(err.detail.startsWith(`${field}: `)).toBe(true);
      });

      it('names the allowed values in the detail', () => {
        const err = given(registered).when(quarantine({ severity: 'urgent' as never })).then('VALIDATION.FAILED');
        expect(err.detail).toContain('low, medium, high, critical');
      });

      it('validates before checking the quarantine state', () => {
        given(suspended).when(quarantine({ reason: ' ' })).then('VALIDATION.FAILED');
      });
    });
  });

  describe('ReleaseAgent', () => {
    it.each([
      ['restricted', restricted],
      ['suspended', suspended],
    ])('releases a %s agent with the time it spent quarantined and no restrictions', (_label, history) => {
      const state = given(history)
        .when(release('root cause fixed'))
        .then([
          {
            type: 'AgentReleased',
            data: { quarantineId: 'q-1', resolution: 'root cause fixed', durationSeconds: 90, restrictions: NO_RESTRICTIONS },
          },
        ]);
      expect(state.status).toBe('active');
      expect(state.restrictions).toEqual(NO_RESTRICTIONS);
      expect(state.quarantine).toBeNull();
      expect(state.history).toEqual([
        expect.objectContaining({ quarantineId: 'q-1', outcome: 'released', endedAt: T1, durationSeconds: 90 }),
      ]);
    });

    it.each([
      ['2025-03-01T10:00:01.234Z', 1.234],
      ['2025-03-01T10:00:00.001Z', 0.001],
      ['2025-03-02T10:00:00.000Z', 86_400],
      ['2025-03-01T10:00:00.000Z', 0],
      ['2025-03-01T09:59:00.000Z', 0],
      ['2025-03-01T12:00:30.5+02:00', 30.5],
    ])('measures the duration from quarantinedAt to now=%s as %d s (never negative, ms precision)', (now, seconds) => {
      const [e] = given(suspended).when(release('ok', { now })).events();
      expect(e?.type === 'AgentReleased' && e.data.durationSeconds).toBe(seconds);
    });

    it('measures from the occurredAt of the quarantine event', () => {
      const [e] = given([ev.registered(), at('2025-03-01T10:01:00.000Z', ev.quarantined())]).when(release()).events();
      expect(e?.type === 'AgentReleased' && e.data.durationSeconds).toBe(30);
    });

    it('refuses QUARANTINE.NOT_ACTIVE on an agent never quarantined', () => {
      expect(given(registered).when(release()).then('QUARANTINE.NOT_ACTIVE').status).toBe(409);
    });

    it('refuses QUARANTINE.NOT_ACTIVE on an agent already released', () => {
      given(released).when(release()).then('QUARANTINE.NOT_ACTIVE');
    });

    it.each(['', '   '])('refuses a blank resolution (%j) with VALIDATION.FAILED', (resolution) => {
      const err = given(suspended).when(release(resolution)).then('VALIDATION.FAILED');
      expect(err.extra['field']).toBe('resolution');
    });
  });

  describe('re-quarantine after release', () => {
    it('opens a new entry with the new id and keeps the history', () => {
      const history = [
        ev.registered(),
        ev.quarantined({ level: 'restricted', severity: 'low' }),
        ev.note(),
        ev.released({ durationSeconds: 42 }),
      ];
      const state = given(history)
        .when(quarantine({ quarantineId: 'q-2', severity: 'high' }))
        .then([ev.quarantined({ quarantineId: 'q-2', severity: 'high' })]);
      expect(state.quarantineCount).toBe(2);
      expect(state.quarantine).toMatchObject({ quarantineId: 'q-2', severity: 'high', quarantinedAt: T1, noteCount: 0 });
      expect(state.history).toEqual([
        expect.objectContaining({ quarantineId: 'q-1', severity: 'low', level: 'restricted', outcome: 'released', noteCount: 1, durationSeconds: 42 }),
      ]);
    });

    it('releases the second entry by its own id and duration', () => {
      const history = [...released, at(T1, ev.quarantined({ quarantineId: 'q-2' }))];
      const state = given(history)
        .when(release('again', { now: '2025-03-01T10:02:00.000Z' }))
        .then([
          { type: 'AgentReleased', data: { quarantineId: 'q-2', resolution: 'again', durationSeconds: 30, restrictions: NO_RESTRICTIONS } },
        ]);
      expect(state.history.map((h) => h.quarantineId)).toEqual(['q-1', 'q-2']);
      expect(state.quarantineCount).toBe(2);
    });
  });

  describe('EscalateAgent', () => {
    it('takes a restricted agent to suspended', () => {
      const state = given(restricted)
        .when(escalate(false, 'still looping'))
        .then([
          {
            type: 'QuarantineEscalated',
            data: { quarantineId: 'q-1', fromLevel: 'restricted', toLevel: 'suspended', reason: 'still looping', restrictions: FULL_RESTRICTIONS },
          },
        ]);
      expect(state.status).toBe('suspended');
      expect(state.quarantine).toMatchObject({ quarantineId: 'q-1', level: 'suspended', escalationCount: 1, lastEscalatedAt: T1 });
    });

    it('takes only one step even when the actor may terminate', () => {
      const events = given(restricted).when(escalate(true)).events();
      expect(events.map((e) => e.type)).toEqual(['QuarantineEscalated']);
    });

    it('takes a suspended agent to terminated when the actor may terminate', () => {
      const state = given(suspended)
        .when(escalate(true, 'beyond repair'))
        .then([
          {
            type: 'QuarantineEscalated',
            data: { quarantineId: 'q-1', fromLevel: 'suspended', toLevel: 'terminated', reason: 'beyond repair', restrictions: FULL_RESTRICTIONS },
          },
          {
            type: 'AgentTerminated',
            data: { quarantineId: 'q-1', resolution: 'beyond repair', durationSeconds: 90, restrictions: FULL_RESTRICTIONS },
          },
        ]);
      expect(state.status).toBe('terminated');
      expect(state.terminatedAt).toBe(T1);
      expect(state.history).toEqual([expect.objectContaining({ quarantineId: 'q-1', outcome: 'terminated', escalationCount: 1 })]);
    });

    it('refuses QUARANTINE.TERMINATE_REQUIRES_ADMIN when the actor may not terminate', () => {
      expect(given(suspended).when(escalate(false)).then('QUARANTINE.TERMINATE_REQUIRES_ADMIN').status).toBe(403);
    });

    it('treats anything but mayTerminate === true as not allowed', () => {
      const cmd = { ...escalate(), mayTerminate: 'yes' } as unknown as AgentCommand;
      given(suspended).when(cmd).then('QUARANTINE.TERMINATE_REQUIRES_ADMIN');
    });

    it('walks the whole ladder restricted → suspended → terminated', () => {
      let state = given(restricted).when(escalate(false)).then([expect.objectContaining({ type: 'QuarantineEscalated' }) as AgentEvent]);
      expect(state.status).toBe('suspended');
      expect(() => decide(escalate(false), state)).toThrow(expect.objectContaining({ code: 'QUARANTINE.TERMINATE_REQUIRES_ADMIN' }));
      const last = decide(escalate(true, 'done', { now: '2025-03-01T10:05:00.000Z' }), state);
      expect(last.map((e) => e.type)).toEqual(['QuarantineEscalated', 'AgentTerminated']);
      expect(last[1]).toMatchObject({ data: { durationSeconds: 300 } });
      state = given([...restricted, ev.escalated(), ...last]).state;
      expect(state.status).toBe('terminated');
      expect(state.history[0]?.escalationCount).toBe(2);
    });

    it('refuses QUARANTINE.NOT_ACTIVE on an active agent', () => {
      given(registered).when(escalate(true)).then('QUARANTINE.NOT_ACTIVE');
    });

    it('refuses QUARANTINE.NOT_ACTIVE on a released agent', () => {
      given(released).when(escalate(true)).then('QUARANTINE.NOT_ACTIVE');
    });

    it('refuses a blank reason with VALIDATION.FAILED', () => {
      const err = given(restricted).when(escalate(false, '  ')).then('VALIDATION.FAILED');
      expect(err.extra['field']).toBe('reason');
    });
  });

  describe('TerminateAgent', () => {
    it('terminates an active agent with no quarantine and no duration', () => {
      const state = given(registered)
        .when(terminate('decommissioned'))
        .then([
          {
            type: 'AgentTerminated',
            data: { quarantineId: null, resolution: 'decommissioned', durationSeconds: null, restrictions: FULL_RESTRICTIONS },
          },
        ]);
      expect(state).toMatchObject({ status: 'terminated', terminatedAt: T1, terminationResolution: 'decommissioned', quarantine: null });
      expect(state.restrictions).toEqual(FULL_RESTRICTIONS);
      expect(state.history).toEqual([]);
    });

    it('terminates a released agent with no quarantine', () => {
      const [e] = given(released).when(terminate()).events();
      expect(e).toMatchObject({ type: 'AgentTerminated', data: { quarantineId: null, durationSeconds: null } });
    });

    it.each([
      ['restricted', restricted],
      ['suspended', suspended],
    ])('terminates a %s agent, closing its quarantine', (_label, history) => {
      const state = given(history)
        .when(terminate('unsafe'))
        .then([
          { type: 'AgentTerminated', data: { quarantineId: 'q-1', resolution: 'unsafe', durationSeconds: 90, restrictions: FULL_RESTRICTIONS } },
        ]);
      expect(state.status).toBe('terminated');
      expect(state.quarantine).toBeNull();
      expect(state.history).toEqual([expect.objectContaining({ quarantineId: 'q-1', outcome: 'terminated', resolution: 'unsafe' })]);
    });

    it('terminates a re-quarantined agent with the current entry', () => {
      const [e] = given([...released, at(T1, ev.quarantined({ quarantineId: 'q-2' }))])
        .when(terminate('x', { now: '2025-03-01T10:01:40.000Z' }))
        .events();
      expect(e).toMatchObject({ data: { quarantineId: 'q-2', durationSeconds: 10 } });
    });

    it.each(['', ' '])('refuses a blank resolution (%j) with VALIDATION.FAILED', (resolution) => {
      given(registered).when(terminate(resolution)).then('VALIDATION.FAILED');
    });
  });

  describe('AddQuarantineNote', () => {
    it.each([
      ['restricted', restricted],
      ['suspended', suspended],
    ])('adds a note to the quarantine of a %s agent', (_label, history) => {
      const state = given(history)
        .when(note('  checked the logs  ', 'n-7'))
        .then([{ type: 'QuarantineNoteAdded', data: { quarantineId: 'q-1', noteId: 'n-7', note: 'checked the logs' } }]);
      expect(state.quarantine?.noteCount).toBe(1);
    });

    it('counts notes', () => {
      const state = given([...suspended, ev.note('n-1'), ev.note('n-2')]).when(note('third', 'n-3')).then([
        { type: 'QuarantineNoteAdded', data: { quarantineId: 'q-1', noteId: 'n-3', note: 'third' } },
      ]);
      expect(state.quarantine?.noteCount).toBe(3);
    });

    it('refuses QUARANTINE.NOT_ACTIVE on an active agent', () => {
      given(registered).when(note()).then('QUARANTINE.NOT_ACTIVE');
    });

    it('refuses QUARANTINE.NOT_ACTIVE on a released agent', () => {
      given(released).when(note()).then('QUARANTINE.NOT_ACTIVE');
    });

    it.each([
      ['a blank note', note('   '), 'note'],
      ['an empty note', note(''), 'note'],
      ['a blank noteId', note('fine', ' '), 'noteId'],
    ])('refuses %s with VALIDATION.FAILED', (_label, cmd, field) => {
      expect(given(suspended).when(cmd).then('VALIDATION.FAILED').extra['field']).toBe(field);
    });
  });

  it('is pure: the same command on the same state gives equal events and leaves the state as it was', () => {
    const state = given(restricted).state;
    const before = JSON.stringify(state);
    const first = decide(escalate(), state);
    expect(decide(escalate(), state)).toEqual(first);
    expect(first).not.toBe(decide(escalate(), state));
    expect(JSON.stringify(state)).toBe(before);
  });

  it('copies restrictions instead of sharing the frozen contract constants', () => {
    const [e] = decide(quarantine(), given(registered).state);
    expect(e?.type === 'AgentQuarantined' && e.data.restrictions).not.toBe(FULL_RESTRICTIONS);
    expect(decide(command({ type: 'RegisterAgent' }), initialState(AGENT_ID))).toHaveLength(1);
  });
});
