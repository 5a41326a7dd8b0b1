import { decodeStoredEvent, isPoisonEvent } from './decode-event';
import { copyLineEncoder, toCopyField, toCopyLine } from './sql-values';

const envelope = {
  schemaVersion: 1,
  id: 'e1',
  type: 'AgentRegistered',
  aggregate: 'agent',
  aggregateId: 'a1',
  agentId: 'a1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  actor: 'telemetry',
  correlationId: 'c',
  causationId: 'c',
  data: { model: 'm' },
  prevHash: null,
  hash: 'h',
};
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const reason = (v: unknown) => {
  try {
    decodeStoredEvent(7, 's', bytes(v));
    return null;
  } catch (e) {
    expect(isPoisonEvent(e)).toBe(true);
    return (e as Error).message;
  }
};

describe('decodeStoredEvent', () => {
  it('decodes an envelope with where the stream stored it', () => {
    expect(decodeStoredEvent(7, 'ns.events.agent.a1', bytes(envelope))).toEqual({ seq: 7, subject: 'ns.events.agent.a1', envelope, dataJson: '{"model":"m"}' });
  });

  it('accepts what the archive must keep: unknown types and aggregates, no agentId, null data, emoji', () => {
    expect(reason({ ...envelope, type: 'FromTheFuture', aggregate: 'artifact' })).toBeNull();
    const { agentId: _a, ...noAgent } = envelope;
    expect(reason({ ...noAgent, data: null })).toBeNull();
    expect(reason({ ...envelope, data: { note: 'ok \ud83d\udea8' } })).toBeNull();
    expect(reason(JSON.stringify({ ...envelope, data: { note: 'escaped pair' } }).replace('escaped pair', '\\ud83d\\udea8'))).toBeNull();
  });

  it('refuses what is not an envelope, or what PostgreSQL would refuse', () => {
    expect(reason('not json')).toMatch(/not JSON/);
    expect(reason([1, 2])).toMatch(/not a JSON object/);
    expect(reason({ ...envelope, id: '' })).toMatch(/"id"/);
    expect(reason({ ...envelope, hash: 5 })).toMatch(/"hash"/);
    const { data: _d, ...noData } = envelope;
    expect(reason(noData)).toMatch(/"data" missing/);
    expect(reason({ ...envelope, occurredAt: 'yesterday' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, occurredAt: '2026-13-45T99:00:00Z' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, occurredAt: '2026-02-30T00:00:00Z' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, occurredAt: '2025-02-29T00:00:00Z' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, occurredAt: '2024-02-29T23:59:59.123456+02:00' })).toBeNull();
    // JavaScript takes these, PostgreSQL does not: poison, rather than a batch the projector could never commit.
    expect(reason({ ...envelope, occurredAt: '0000-01-01T00:00:00Z' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, occurredAt: '2026-01-01T00:00:00+16:00' })).toMatch(/occurredAt/);
    // PostgreSQL takes this, JavaScript does not.
    expect(reason({ ...envelope, occurredAt: '2026-01-01T00:00:00+02' })).toMatch(/occurredAt/);
    expect(reason({ ...envelope, prevHash: 3 })).toMatch(/prevHash/);
    expect(reason({ ...envelope, data: { note: 'nul \u0000 here' } })).toMatch(/NUL/);
    expect(reason(JSON.stringify({ ...envelope, data: { note: 'X' } }).replace('"X"', '"\\ud800"'))).toMatch(/surrogate/);
  });
});

describe('COPY text and parameters', () => {
  it('render values alike: jsonb is always JSON, NULL is \\N, specials are escaped', () => {
    expect(toCopyField('jsonb', null)).toBe('null');
    expect(toCopyField('jsonb', undefined)).toBe('null');
    expect(toCopyField('jsonb', { a: 'x\ny\\z' })).toBe('{"a":"x\\\\ny\\\\\\\\z"}');
    expect(toCopyField('text', null)).toBe('\\N');
    expect(toCopyField('text', 'tab\there\nnew\\line\r')).toBe('tab\\there\\nnew\\\\line\\r');
    expect(toCopyField('boolean', false)).toBe('f');
    expect(toCopyField('double precision', 0.1 + 0.2)).toBe('0.30000000000000004');
    expect(toCopyLine([{ name: 'a', type: 'bigint' }, { name: 'b', type: 'text' }], [12, null])).toBe('12\t\\N\n');
    // json is the same text as jsonb (JSON.stringify's): PostgreSQL keeps it as written.
    expect(toCopyField('json', { b: 1, a: 'x\ny' })).toBe('{"b":1,"a":"x\\\\ny"}');
    expect(toCopyField('json', null)).toBe('null');
    const columns = [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'json' }, { name: 'c', type: 'text' }] as const;
    expect(copyLineEncoder(columns)([7, [1, 'two'], 'tab\t'])).toBe(toCopyLine(columns, [7, [1, 'two'], 'tab\t']));
  });
});
