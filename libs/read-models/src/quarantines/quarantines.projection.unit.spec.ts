import { FULL_RESTRICTIONS, NO_RESTRICTIONS, type StoredEvent } from '@immune/contracts';
import { agentEvent, stored } from '../fixtures/stored-event.spec-helper';
import { evolveQuarantine, QUARANTINE_EVENT_TYPES, quarantinesProjection, type QuarantineRow } from './quarantines.projection';

const opened = (seq: number, quarantineId = 'q1', agentId = 'a1') =>
  agentEvent(
    seq,
    'AgentQuarantined',
    {
      quarantineId,
      level: 'restricted',
      reasonCode: 'manual',
      reason: 'looks odd',
      severity: 'low',
      source: 'alice',
      expiresAt: null,
      restrictions: FULL_RESTRICTIONS,
      healMode: 'manual',
      diagnoses: [],
      deviation: null,
      forensic: { baseline: { latencyMs: 120 } },
    },
    { agentId, at: '2026-01-01T00:00:00.000Z' },
  );

function fold(events: StoredEvent[], key = 'q1'): QuarantineRow | null {
  let row: QuarantineRow | null = null;
  for (const e of events) if (quarantinesProjection.keyOf(e) === key) row = evolveQuarantine(row, e);
  return row;
}

describe('quarantines projection', () => {
  it('declares its event types and keys rows by data.quarantineId', () => {
    expect(quarantinesProjection.eventTypes).toEqual(QUARANTINE_EVENT_TYPES);
    expect(quarantinesProjection.keyOf(opened(1))).toBe('q1');
    expect(quarantinesProjection.keyOf(agentEvent(2, 'AgentRegistered', {}))).toBeNull();
    expect(quarantinesProjection.keyOf(agentEvent(2, 'SomethingNew', { quarantineId: 'q1' }))).toBeNull();
    expect(quarantinesProjection.keyOf(agentEvent(2, 'HealingStarted', { quarantineId: 'q1' }))).toBe('q1');
    expect(quarantinesProjection.keyOf(agentEvent(2, 'AnomalyDetected', { quarantineId: 'q1' }))).toBeNull();
    for (const type of ['ApprovalRequested', 'HealingApproved', 'HealingRejected', 'HealingRequested']) {
      expect(quarantinesProjection.keyOf(agentEvent(2, type, { quarantineId: 'q1', reason: null }))).toBe('q1');
    }
    expect(quarantinesProjection.keyOf(agentEvent(2, 'AgentTerminated', { quarantineId: null, resolution: 'x' }))).toBeNull();
    expect(quarantinesProjection.keyOf(stored(3, 'checkpoint', 'chain', 'ChainCheckpointed', { lastSequence: 2 }))).toBeNull();
  });

  it('AgentQuarantined opens an active record at its stream sequence', () => {
    const row = fold([opened(7)])!;
    expect(row.openedSeq).toBe(7);
    expect(row.record).toEqual({
      quarantineId: 'q1',
      level: 'restricted',
      reasonCode: 'manual',
      reason: 'looks odd',
      severity: 'low',
      source: 'alice',
      quarantinedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: null,
      approval: 'none',
      healing: 'idle',
      diagnoses: [],
      deviation: null,
      notes: [],
      healMode: 'manual',
      healRequestedAt: null,
      agentId: 'a1',
      active: true,
      outcome: 'active',
      endedAt: null,
      resolution: null,
      durationSeconds: null,
      escalations: 0,
      forensic: { baseline: { latencyMs: 120 } },
    });
    // A second copy does not reopen or move it.
    expect(evolveQuarantine(row, opened(9))).toBe(row);
  });

  it('notes, escalations, then release with its duration', () => {
    const row = fold([
      opened(1),
      agentEvent(2, 'QuarantineNoteAdded', { quarantineId: 'q1', noteId: 'n1', note: 'first' }, { actor: 'bob', at: '2026-01-01T00:01:00.000Z' }),
      agentEvent(3, 'QuarantineEscalated', { quarantineId: 'q1', fromLevel: 'restricted', toLevel: 'suspended', reason: 'worse', restrictions: FULL_RESTRICTIONS }),
      agentEvent(4, 'AgentReleased', { quarantineId: 'q1', resolution: 'fixed', durationSeconds: 90, restrictions: NO_RESTRICTIONS }, { at: '2026-01-01T00:01:30.000Z' }),
    ])!;
    expect(row.record).toMatchObject({
      level: 'suspended',
      escalations: 1,
      notes: [{ noteId: 'n1', note: 'first', author: 'bob', at: '2026-01-01T00:01:00.000Z' }],
      active: false,
      outcome: 'released',
      endedAt: '2026-01-01T00:01:30.000Z',
      resolution: 'fixed',
      durationSeconds: 90,
    });
    expect(row.openedSeq).toBe(1);
  });

  it('escalation to terminated counts; AgentTerminated ends the record; an ended record stays ended', () => {
    const row = fold([
      opened(1),
      agentEvent(2, 'QuarantineEscalated', { quarantineId: 'q1', fromLevel: 'restricted', toLevel: 'terminated', reason: 'r', restrictions: FULL_RESTRICTIONS }),
      agentEvent(3, 'AgentTerminated', { quarantineId: 'q1', resolution: 'gone', durationSeconds: null, restrictions: FULL_RESTRICTIONS }, { at: '2026-01-01T00:00:10.000Z' }),
      agentEvent(4, 'AgentReleased', { quarantineId: 'q1', resolution: 'late', durationSeconds: 99, restrictions: NO_RESTRICTIONS }),
      agentEvent(5, 'QuarantineEscalated', { quarantineId: 'q1', fromLevel: 'restricted', toLevel: 'suspended', reason: 'r', restrictions: FULL_RESTRICTIONS }),
    ])!;
    // Without a duration in the event it is the time between opening and ending.
    expect(row.record).toMatchObject({ level: 'restricted', escalations: 1, active: false, outcome: 'terminated', resolution: 'gone', durationSeconds: 10 });
  });

  it('approval: ApprovalRequested → pending, HealingApproved → approved, HealingRejected → rejected', () => {
    const requested = agentEvent(2, 'ApprovalRequested', { quarantineId: 'q1', deviation: 7, reason: 'r' });
    const pending = fold([opened(1), requested])!;
    expect(pending.record.approval).toBe('pending');
    expect(evolveQuarantine(pending, agentEvent(3, 'HealingApproved', { quarantineId: 'q1', reason: null }))!.record.approval).toBe('approved');
    expect(evolveQuarantine(pending, agentEvent(3, 'HealingRejected', { quarantineId: 'q1', reason: 'no' }))!.record.approval).toBe('rejected');
    expect(pending.record.approval).toBe('pending');
  });

  it.each([
    ['pending', ['ApprovalRequested'], 'approved'],
    ['rejected', ['ApprovalRequested', 'HealingRejected'], 'approved'],
    ['none', [], 'none'],
  ])('HealingRequested on approval %s → %s, with the time it was asked', (_label, before, approval) => {
    const at = '2026-01-01T00:05:00.000Z';
    const events = before.map((type, i) => agentEvent(2 + i, type, { quarantineId: 'q1', deviation: 7, reason: null }));
    const row = fold([opened(1), ...events, agentEvent(9, 'HealingRequested', { quarantineId: 'q1', reason: null }, { at })])!;
    expect(row.record).toMatchObject({ approval, healRequestedAt: at, active: true });
    expect(row.openedSeq).toBe(1);
  });

  it('an ended record keeps the approval it ended with', () => {
    const row = fold([
      opened(1),
      agentEvent(2, 'ApprovalRequested', { quarantineId: 'q1', deviation: 7, reason: 'r' }),
      agentEvent(3, 'AgentReleased', { quarantineId: 'q1', resolution: 'ok', durationSeconds: 2, restrictions: NO_RESTRICTIONS }),
    ])!;
    expect(evolveQuarantine(row, agentEvent(4, 'HealingApproved', { quarantineId: 'q1', reason: null }))).toBe(row);
    expect(evolveQuarantine(row, agentEvent(4, 'HealingRequested', { quarantineId: 'q1', reason: null }))).toBe(row);
    expect(row.record.approval).toBe('pending');
  });

  it('ignores events of another agent under the same id, and unknown types', () => {
    const row = fold([opened(1)])!;
    expect(evolveQuarantine(row, agentEvent(2, 'AgentReleased', { quarantineId: 'q1', resolution: 'x', durationSeconds: 1 }, { agentId: 'other' }))).toBe(row);
    expect(evolveQuarantine(row, agentEvent(3, 'SomethingNew', { quarantineId: 'q1' }))).toBe(row);
    expect(evolveQuarantine(row, agentEvent(3, 'HealingStarted', { quarantineId: 'q1' }, { agentId: 'other' }))).toBe(row);
    expect(evolveQuarantine(row, agentEvent(3, 'AnomalyDetected', { quarantineId: 'q1' }))).toBe(row);
    expect(evolveQuarantine(row, agentEvent(3, 'HealingApproved', { quarantineId: 'q1', reason: null }, { agentId: 'other' }))).toBe(row);
    expect(evolveQuarantine(null, agentEvent(4, 'QuarantineNoteAdded', { quarantineId: 'q1', noteId: 'n', note: 'x' }))).toBeNull();
  });

  it('maps a record to its filter columns', () => {
    const row = fold([opened(5)])!;
    expect(quarantinesProjection.toColumns(row)).toEqual(['q1', 'a1', true, 'low', 'alice', 'manual', '2026-01-01T00:00:00.000Z', null, 5, row.record]);
    expect(quarantinesProjection.fromColumns({ opened_seq: '5', doc: row.record })).toEqual(row);
  });
});
