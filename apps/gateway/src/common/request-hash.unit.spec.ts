import { parseIdempotencyKey } from '../idempotency/idempotency.store';
import { commandIdFor } from '../commands/command-id';
import { parseBearer } from '../auth/bearer';
import { hashRequest } from './request-hash';

describe('request fingerprints and ids', () => {
  it('hashes method, path and canonical body', () => {
    const a = hashRequest('post', '/api/v1/agents/a/quarantine', { reason: 'x', severity: 'high' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRequest('POST', '/api/v1/agents/a/quarantine', { severity: 'high', reason: 'x' })).toBe(a);
    expect(hashRequest('POST', '/api/v1/agents/b/quarantine', { reason: 'x', severity: 'high' })).not.toBe(a);
    expect(hashRequest('POST', '/api/v1/agents/a/quarantine', { reason: 'y', severity: 'high' })).not.toBe(a);
    expect(hashRequest('DELETE', '/api/v1/keys/k', undefined)).toBe(hashRequest('DELETE', '/api/v1/keys/k', null));
  });

  it('derives command ids from actor and idempotency key, fresh ones otherwise', () => {
    const id = commandIdFor('alice', 'k1', 'a/QuarantineAgent');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(commandIdFor('alice', 'k1', 'a/QuarantineAgent')).toBe(id);
    expect(commandIdFor('bob', 'k1', 'a/QuarantineAgent')).not.toBe(id);
    expect(commandIdFor('alice', 'k2', 'a/QuarantineAgent')).not.toBe(id);
    expect(commandIdFor('alice', undefined)).not.toBe(commandIdFor('alice', undefined));
  });

  it('validates Idempotency-Key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('abc-123')).toBe('abc-123');
    expect(() => parseIdempotencyKey('')).toThrow();
    expect(() => parseIdempotencyKey('has space')).toThrow();
    expect(() => parseIdempotencyKey('x'.repeat(256))).toThrow();
  });

  it('reads bearer keys', () => {
    expect(parseBearer('Bearer imk_admin_abc')).toBe('imk_admin_abc');
    expect(parseBearer('bearer  imk_x ')).toBe('imk_x');
    expect(parseBearer('Basic dXNlcjpwdw==')).toBeUndefined();
    expect(parseBearer(undefined)).toBeUndefined();
    expect(parseBearer('Bearer ')).toBeUndefined();
  });
});
