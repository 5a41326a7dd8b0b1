import { AGENT_EVENT_TYPES, FULL_RESTRICTIONS, NO_RESTRICTIONS, type AgentView, type StoredEvent } from '@immune/contracts';
import { agentEvent, stored } from '../fixtures/stored-event.spec-helper';
import { agentsProjection, evolveAgent } from './agents.projection';

const registered = agentEvent(1, 'AgentRegistered', { model: 'gpt-4o', agentType: 'coder', mcpServers: ['github'] }, { actor: 'telemetry' });
const quarantined = (seq: number, quarantineId = 'q1', level: 'restricted' | 'suspended' = 'restricted') =>
  agentEvent(seq, 'AgentQuarantined', {
    quarantineId,
    level,
    reasonCode: 'anomaly',
    reason: 'latency spike',
    severity: 'high',
    source: 'sentinel',
    expiresAt: '2026-01-02T00:00:00.000Z',
    restrictions: { ...FULL_RESTRICTIONS },
    healMode: 'automatic',
    diagnoses: [{ hypothesis: 'tool_instability', confidence: 0.75 }],
    deviation: 6.2,
    forensic: { recent: [1] },
  });

function fold(events: StoredEvent[]): AgentView | null {
  return events.reduce<AgentView | null>((v, e) => evolveAgent(v, e), null);
}

describe('agents projection', () => {
  it('declares the agent event types it handles and keys rows by agent', () => {
    expect(agentsProjection.eventTypes).toEqual(AGENT_EVENT_TYPES);
    expect(agentsProjection.keyOf(registered)).toBe('a1');
    expect(agentsProjection.keyOf(stored(9, 'checkpoint', 'chain', 'ChainCheckpointed', {}))).toBeNull();
  });

  it('AgentRegistered creates the view', () => {
    expect(fold([registered])).toEqual({
      agentId: 'a1',
      status: 'active',
      restrictions: NO_RESTRICTIONS,
      quarantine: null,
      baseline: null,
      lastVitalAt: null,
      model: 'gpt-4o',
      agentType: 'coder',
      mcpServers: ['github'],
      registeredAt: registered.envelope.occurredAt,
      version: 1,
    });
  });

  it('nothing exists before registration', () => {
    expect(fold([quarantined(1)])).toBeNull();
    expect(fold([agentEvent(1, 'AnomalyDetected', {})])).toBeNull();
  });

  it('AgentQuarantined opens the quarantine entry at its level', () => {
    const v = fold([registered, quarantined(2)])!;
    expect(v.status).toBe('restricted');
    expect(v.restrictions).toEqual(FULL_RESTRICTIONS);
    expect(v.version).toBe(2);
    expect(v.quarantine).toEqual({
      quarantineId: 'q1',
      level: 'restricted',
      reasonCode: 'anomaly',
      reason: 'latency spike',
      severity: 'high',
      source: 'sentinel',
      quarantinedAt: quarantined(2).envelope.occurredAt,
      expiresAt: '2026-01-02T00:00:00.000Z',
      approval: 'none',
      healing: 'idle',
      diagnoses: [{ hypothesis: 'tool_instability', confidence: 0.75 }],
      deviation: 6.2,
      notes: [],
      healMode: 'automatic',
      healRequestedAt: null,
    });
    // A redelivered copy of the open entry is not a new quarantine.
    const again = evolveAgent(v, quarantined(3))!;
    expect(again.quarantine).toEqual(v.quarantine);
    expect(again.version).toBe(3);
  });

  it('QuarantineNoteAdded appends a note by the actor at the event time, once per noteId', () => {
    const note = agentEvent(3, 'QuarantineNoteAdded', { quarantineId: 'q1', noteId: 'n1', note: 'looked at it' }, { actor: 'bob' });
    const v = fold([registered, quarantined(2), note, { ...note, seq: 4 }])!;
    expect(v.quarantine!.notes).toEqual([{ noteId: 'n1', note: 'looked at it', author: 'bob', at: note.envelope.occurredAt }]);
    expect(v.version).toBe(4);
    // A note for another entry changes nothing but the version.
    const other = evolveAgent(v, agentEvent(5, 'QuarantineNoteAdded', { quarantineId: 'q9', noteId: 'n2', note: 'x' }))!;
    expect(other.quarantine!.notes).toHaveLength(1);
  });

  it('QuarantineEscalated moves the level; to terminated it only counts (AgentTerminated follows)', () => {
    const up = agentEvent(3, 'QuarantineEscalated', { quarantineId: 'q1', fromLevel: 'restricted', toLevel: 'suspended', reason: 'r', restrictions: FULL_RESTRICTIONS });
    const v = fold([registered, quarantined(2), up])!;
    expect(v.status).toBe('suspended');
    expect(v.quarantine!.level).toBe('suspended');
    const toTerminated = agentEvent(4, 'QuarantineEscalated', { quarantineId: 'q1', fromLevel: 'suspended', toLevel: 'terminated', reason: 'r', restrictions: FULL_RESTRICTIONS });
    const w = evolveAgent(v, toTerminated)!;
    expect(w.status).toBe('suspended');
    expect(w.quarantine).toEqual(v.quarantine);
    expect(w.version).toBe(4);
  });

  it('AgentReleased ends the quarantine and lifts the restrictions', () => {
    const v = fold([registered, quarantined(2), agentEvent(3, 'AgentReleased', { quarantineId: 'q1', resolution: 'ok', durationSeconds: 1, restrictions: NO_RESTRICTIONS })])!;
    expect(v).toMatchObject({ status: 'active', restrictions: NO_RESTRICTIONS, quarantine: null, version: 3 });
  });

  it('AgentTerminated is final: later events only move the version', () => {
    const terminated = agentEvent(3, 'AgentTerminated', { quarantineId: 'q1', resolution: 'gone', durationSeconds: 1, restrictions: FULL_RESTRICTIONS });
    const v = fold([registered, quarantined(2), terminated])!;
    expect(v).toMatchObject({ status: 'terminated', restrictions: FULL_RESTRICTIONS, quarantine: null, version: 3 });
    const after = fold([registered, quarantined(2), terminated, quarantined(4, 'q2'), agentEvent(5, 'AgentRegistered', { model: 'other' })])!;
    expect(after).toEqual({ ...v, version: 5 });
  });

  it('AgentRegistered again updates the registration info but keeps registeredAt', () => {
    const v = fold([registered, agentEvent(2, 'AgentRegistered', { model: 'm2', agentType: null, mcpServers: [] })])!;
    expect(v).toMatchObject({ model: 'm2', agentType: null, mcpServers: [], registeredAt: registered.envelope.occurredAt, version: 2 });
  });

  it('ignores unknown event types except for the version (it must match the log for If-Match)', () => {
    const v = fold([registered, quarantined(2)])!;
    const w = evolveAgent(v, agentEvent(3, 'HealingStarted', { whatever: true }))!;
    expect(w).toEqual({ ...v, version: 3 });
    const odd = evolveAgent(v, agentEvent(4, 'SomethingFromTheFuture', 'not even an object'))!;
    expect(odd).toEqual({ ...v, version: 4 });
    // Events of other aggregates are not the agent's.
    expect(evolveAgent(v, stored(5, 'escalation', 'x', 'EscalationRaised', {}))).toBe(v);
  });

  describe('detection and approval', () => {
    const decision = (seq: number, type: string, quarantineId = 'q1', at?: string) =>
      agentEvent(seq, type, { quarantineId, reason: null }, at ? { at } : {});
    const approvalRequested = (seq: number, quarantineId = 'q1') =>
      agentEvent(seq, 'ApprovalRequested', { quarantineId, deviation: 6.2, reason: 'latency_spike at 6.2σ' });
    const anomaly = (seq: number) =>
      agentEvent(seq, 'AnomalyDetected', {
        detectionId: 'd1',
        anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 6.2 }],
        deviation: 6.2,
        severity: 'high',
        diagnoses: [],
        enforced: false,
        fleetWide: false,
        quarantineId: null,
      });

    it('AnomalyDetected changes nothing but the version, quarantined or not', () => {
      const free = fold([registered])!;
      expect(evolveAgent(free, anomaly(2))).toEqual({ ...free, version: 2 });
      const v = fold([registered, quarantined(2)])!;
      expect(evolveAgent(v, anomaly(3))).toEqual({ ...v, version: 3 });
    });

    it('AgentQuarantined keeps diagnoses, deviation and the heal mode; approval starts at none', () => {
      const v = fold([registered, anomaly(2), quarantined(3, 'q1', 'suspended')])!;
      expect(v).toMatchObject({ status: 'suspended', version: 3 });
      expect(v.quarantine).toMatchObject({ approval: 'none', healMode: 'automatic', deviation: 6.2, diagnoses: [{ hypothesis: 'tool_instability', confidence: 0.75 }] });
    });

    it('ApprovalRequested → pending; HealingApproved → approved', () => {
      const pending = fold([registered, quarantined(2), approvalRequested(3)])!;
      expect(pending.quarantine!.approval).toBe('pending');
      expect(pending.version).toBe(3);
      const approved = evolveAgent(pending, decision(4, 'HealingApproved'))!;
      expect(approved.quarantine!.approval).toBe('approved');
      expect(approved).toEqual({ ...pending, version: 4, quarantine: { ...pending.quarantine!, approval: 'approved' } });
      // The input view is never changed.
      expect(pending.quarantine!.approval).toBe('pending');
    });

    it('HealingRejected → rejected, and the agent stays quarantined', () => {
      const v = fold([registered, quarantined(2), approvalRequested(3), decision(4, 'HealingRejected')])!;
      expect(v).toMatchObject({ status: 'restricted', quarantine: { approval: 'rejected' } });
    });

    it.each([
      ['pending', [approvalRequested(3)], 'approved'],
      ['rejected', [approvalRequested(3), decision(4, 'HealingRejected')], 'approved'],
      ['approved', [approvalRequested(3), decision(4, 'HealingApproved')], 'approved'],
      ['none (a manual quarantine)', [], 'none'],
    ] as const)('HealingRequested on approval %s → %s, recording when it was asked', (_label, between, approval) => {
      const at = '2026-01-01T01:00:00.000Z';
      const v = fold([registered, quarantined(2), ...between, decision(9, 'HealingRequested', 'q1', at)])!;
      expect(v.quarantine).toMatchObject({ approval, healRequestedAt: at });
      expect(v.version).toBe(9);
    });

    it.each(['ApprovalRequested', 'HealingApproved', 'HealingRejected', 'HealingRequested'])(
      '%s of another entry, or with no entry open, only moves the version',
      (type) => {
        const v = fold([registered, quarantined(2)])!;
        expect(evolveAgent(v, decision(3, type, 'q-other'))).toEqual({ ...v, version: 3 });
        const free = fold([registered])!;
        expect(evolveAgent(free, decision(2, type))).toEqual({ ...free, version: 2 });
      },
    );

    it('a new quarantine after a release starts at approval none', () => {
      const released = agentEvent(4, 'AgentReleased', { quarantineId: 'q1', resolution: 'ok', durationSeconds: 1, restrictions: NO_RESTRICTIONS });
      const v = fold([registered, quarantined(2), approvalRequested(3), released, quarantined(5, 'q2')])!;
      expect(v.quarantine).toMatchObject({ quarantineId: 'q2', approval: 'none', healRequestedAt: null });
    });

    it('a manual quarantine has heal mode manual', () => {
      const manual = agentEvent(2, 'AgentQuarantined', { ...quarantined(2).envelope.data as object, healMode: 'manual' });
      expect(fold([registered, manual])!.quarantine!.healMode).toBe('manual');
    });
  });

  it('maps the view to its filter columns', () => {
    const v = fold([registered, quarantined(2)])!;
    expect(agentsProjection.toColumns(v)).toEqual(['a1', 'restricted', 'high', 'sentinel', 'anomaly', true, 2, v]);
    expect(agentsProjection.fromColumns({ agent_id: 'a1', version: '2', doc: v })).toEqual(v);
    const free = fold([registered])!;
    expect(agentsProjection.toColumns(free)).toEqual(['a1', 'active', null, null, null, false, 1, free]);
  });
});
