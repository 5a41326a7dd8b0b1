import { rawDataJson } from './raw-data';

const head = {
  schemaVersion: 1,
  id: 'e1',
  type: 'AgentQuarantined',
  aggregate: 'agent',
  aggregateId: 'a1',
  agentId: 'a1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  actor: 'telemetry',
  correlationId: 'c',
  causationId: 'c',
};
const HASH = 'ab'.repeat(32);
/** What our writer stores: JSON.stringify of the envelope, data just before prevHash and hash. */
const stored = (data: unknown, prevHash: string | null = null) => JSON.stringify({ ...head, data, prevHash, hash: HASH });
const raw = (text: string) => rawDataJson(text, JSON.parse(text) as { prevHash?: unknown; hash?: unknown });

/** Seeded random JSON values with the characters that trip delimiting: quotes, backslashes, the keys themselves. */
function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const pieces = ['"', '\\', ',"data":', ',"prevHash":null,"hash":"', '}', ']', '{', '\n', '\t', 'ü', '🚨', ' ', 'x', ':'];
  const text = () => Array.from({ length: Math.floor(next() * 8) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.round((next() - 0.5) * 1e6) / 1000;
    case 3:
    case 4:
      return text();
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [i === 0 && next() < 0.3 ? 'data' : text(), randomValue(next, depth + 1)]));
  }
}

describe('rawDataJson', () => {
  it('gives the text JSON.stringify writes for data, for every shape of value our writer stores', () => {
    let seed = 2026;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      const data = randomValue(next);
      const prev = i % 3 === 0 ? null : 'cd'.repeat(32);
      expect(raw(stored(data, prev))).toBe(JSON.stringify(data));
    }
  });

  it('delimits data whose strings hold the very keys it looks for, escaped quotes and a trailing backslash', () => {
    for (const data of [
      { note: ',"data":{"x":1},"prevHash":null,"hash":"' + HASH + '"}' },
      { a: 'ends with a backslash \\', data: { data: 'nested' } },
      'a string "quoted"',
      ['\\', '"', '\\"'],
      0,
      null,
      {},
    ]) {
      expect(raw(stored(data))).toBe(JSON.stringify(data));
    }
  });

  it('works without prevHash (an envelope that never had one)', () => {
    const text = JSON.stringify({ ...head, data: { a: 1 }, hash: HASH });
    expect(raw(text)).toBe('{"a":1}');
  });

  it('gives null (the caller encodes the parsed value) for any other layout', () => {
    const cases = [
      // whitespace between tokens
      JSON.stringify({ ...head, data: { a: 1 }, prevHash: null, hash: HASH }, null, 2),
      stored({ a: 1 }).replace('"data":{"a":1}', '"data":{"a": 1}'),
      // a duplicate data key: JSON.parse keeps the second value
      stored({ a: 1 }).replace('"data":{"a":1}', '"data":{"a":1},"data":{"b":2}'),
      // a duplicate tail inside the span
      stored({ a: 1 }).replace('"data":{"a":1}', `"data":{"a":1},"prevHash":null,"hash":"${HASH}"`),
      // data first (no comma before its key), then another key
      JSON.stringify({ data: { a: 1 }, ...head, prevHash: null, hash: HASH }),
      // data not just before the tail
      JSON.stringify({ ...head, data: { a: 1 }, extra: 2, prevHash: null, hash: HASH }),
      // keys after data in another order
      JSON.stringify({ ...head, data: { a: 1 }, hash: HASH, prevHash: null }),
      // a "data" key nested in an earlier field, then the real one
      JSON.stringify({ ...head, extra: { q: 1, data: { x: 1 } }, data: { a: 1 }, prevHash: null, hash: HASH }),
    ];
    for (const text of cases) expect(raw(text)).toBeNull();
  });

  it('takes the last data key when a duplicate comes first without a comma before it', () => {
    // {"data":…} opens the object, so the first ",\"data\":" is the second key — the value JSON.parse keeps.
    const text = `{"data":{"a":1},${stored({ b: 2 }).slice(1)}`;
    expect((JSON.parse(text) as { data: unknown }).data).toEqual({ b: 2 });
    expect(raw(text)).toBe('{"b":2}');
  });

  it('refuses a hash or prevHash that is not a string', () => {
    expect(rawDataJson(stored({ a: 1 }), { prevHash: null, hash: 1 })).toBeNull();
    expect(rawDataJson(stored({ a: 1 }), { prevHash: 5, hash: HASH })).toBeNull();
  });
});
