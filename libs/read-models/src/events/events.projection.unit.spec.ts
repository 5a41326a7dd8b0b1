import { asStoredEvents, generateAgentEventLog } from '../fixtures/agent-event-log';
import { agentEvent, stored } from '../fixtures/stored-event.spec-helper';
import { foldProjection } from '../projection';
import { eventsProjection } from './events.projection';

describe('events projection (the archive)', () => {
  it('keeps every event, whatever its type, one row per stream sequence', () => {
    expect(eventsProjection.eventTypes).toBe('all');
    const log = asStoredEvents(generateAgentEventLog({ namespace: 'unit', events: 3000, seed: 3 }));
    const rows = foldProjection(eventsProjection, log);
    expect(rows.size).toBe(3000);
    const types = new Set(log.map((e) => e.envelope.type));
    expect(types).toContain('ChainCheckpointed');
    expect(types).toContain('EscalationRaised');
    expect(types).toContain('AnomalyDetected');
    expect([...rows.keys()].slice(0, 3)).toEqual(['1', '2', '3']);
  });

  it('maps the envelope to its columns and back', () => {
    const e = agentEvent(12, 'QuarantineNoteAdded', { quarantineId: 'q', noteId: 'n', note: 'x' }, { actor: 'bob' });
    const cols = eventsProjection.toColumns(eventsProjection.evolve(null, e)!);
    expect(cols).toEqual([12, 'e-12', 't.events.agent.a1', 'QuarantineNoteAdded', 'agent', 'a1', 'a1', e.envelope.occurredAt, 'bob', 'c-12', 'c-12', { quarantineId: 'q', noteId: 'n', note: 'x' }, 'h-11', 'h-12']);
    const back = eventsProjection.fromColumns({
      seq: '12', id: 'e-12', subject: e.subject, type: e.envelope.type, aggregate: 'agent', aggregate_id: 'a1', agent_id: 'a1',
      occurred_at: new Date(e.envelope.occurredAt), actor: 'bob', correlation_id: 'c-12', causation_id: 'c-12', data: e.envelope.data, prev_hash: 'h-11', hash: 'h-12',
    });
    expect(back).toEqual(e);
  });

  it('an envelope without agentId or data still maps (agent_id NULL, data JSON null)', () => {
    const cp = stored(5, 'checkpoint', 'chain', 'ChainCheckpointed', undefined);
    const cols = eventsProjection.toColumns(cp);
    expect(cols[6]).toBeNull();
    expect(cols[11]).toBeNull();
  });
});
