import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@immune/contracts';
import { canonicalJson, envelopeShapeError, hashEnvelope, headsHash, parseEnvelope, sealEnvelope, type UnsealedEnvelope } from './hash-chain';

describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 §3.2.2 example: key order, number formatting, string escaping', () => {
    const input = {
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('nests, drops undefined members and rejects non-finite numbers', () => {
    expect(canonicalJson({ b: { d: 1, c: [2, { z: true, a: null }] }, a: undefined })).toBe('{"b":{"c":[2,{"a":null,"z":true}],"d":1}}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
    expect(() => canonicalJson(undefined)).toThrow();
  });
});

describe('hash chain', () => {
  const base: UnsealedEnvelope = {
    schemaVersion: 1,
    id: 'cmd-1:0',
    type: 'AgentRegistered',
    aggregate: 'agent',
    aggregateId: 'a-1',
    agentId: 'a-1',
    occurredAt: '2024-01-01T00:00:00.000Z',
    actor: 'test',
    correlationId: 'corr',
    causationId: 'cmd-1',
    data: { model: 'm', agentType: null, mcpServers: [] },
    prevHash: null,
  };

  it('hashes the canonical JSON without `hash` as lowercase hex SHA-256', () => {
    const expected = createHash('sha256').update(canonicalJson(base)).digest('hex');
    expect(hashEnvelope(base)).toBe(expected);
    expect(hashEnvelope(base)).toMatch(/^[0-9a-f]{64}$/);
    const sealed = sealEnvelope(base);
    expect(sealed.hash).toBe(expected);
    // Re-hashing a stored envelope ignores its own hash field.
    expect(hashEnvelope(sealed)).toBe(sealed.hash);
  });

  it('is independent of key order and sensitive to any change', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as UnsealedEnvelope;
    expect(hashEnvelope(reordered)).toBe(hashEnvelope(base));
    expect(hashEnvelope({ ...base, actor: 'other' })).not.toBe(hashEnvelope(base));
    expect(hashEnvelope({ ...base, prevHash: 'x'.repeat(64) })).not.toBe(hashEnvelope(base));
  });

  it('seals what will be stored: undefined fields dropped, so the stored bytes re-hash to the same value', () => {
    const sealed = sealEnvelope({ ...base, agentId: undefined, data: { at: new Date('2024-01-01T00:00:00Z'), gone: undefined } });
    expect('agentId' in sealed).toBe(false);
    const stored = parseEnvelope(new TextEncoder().encode(JSON.stringify(sealed)));
    expect(hashEnvelope(stored)).toBe(sealed.hash);
    expect(stored.data).toEqual({ at: '2024-01-01T00:00:00.000Z' });
  });

  it('headsHash is order independent', () => {
    const a = new Map([['ns.events.agent.a', 'h1'], ['ns.events.agent.b', 'h2']]);
    const b = new Map([['ns.events.agent.b', 'h2'], ['ns.events.agent.a', 'h1']]);
    expect(headsHash(a)).toBe(headsHash(b));
    expect(headsHash(a)).not.toBe(headsHash(new Map([['ns.events.agent.a', 'h1']])));
  });

  it('recognises malformed envelopes', () => {
    const sealed: EventEnvelope = sealEnvelope(base);
    expect(envelopeShapeError(sealed)).toBeNull();
    expect(envelopeShapeError([])).toMatch(/object/);
    const { hash: _h, ...noHash } = sealed;
    expect(envelopeShapeError(noHash)).toMatch(/hash/);
    expect(envelopeShapeError({ ...sealed, aggregate: 'nope' })).toMatch(/aggregate/);
    expect(() => parseEnvelope(new TextEncoder().encode('{oops'))).toThrow();
  });
});
