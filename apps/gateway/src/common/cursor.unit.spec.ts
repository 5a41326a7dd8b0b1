import { isImmuneError } from '@immune/contracts';
import { decodeCursor, encodeCursor, parseBool, parseEnum, parseLimit, parseSeq } from './cursor';

const isKey = (v: unknown): v is { a: string } => typeof v === 'object' && v !== null && typeof (v as { a: unknown }).a === 'string';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isImmuneError(e) ? e.code : 'not an ImmuneError';
  }
  return undefined;
}

describe('cursors and list parameters', () => {
  it('round-trips a cursor as URL-safe base64', () => {
    const c = encodeCursor({ a: 'agent/with?odd+chars' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, isKey)).toEqual({ a: 'agent/with?odd+chars' });
  });

  it('refuses cursors it did not issue', () => {
    expect(codeOf(() => decodeCursor('not a cursor!', isKey))).toBe('VALIDATION.FAILED');
    expect(codeOf(() => decodeCursor(Buffer.from('{"b":1}').toString('base64url'), isKey))).toBe('VALIDATION.FAILED');
    expect(codeOf(() => decodeCursor(Buffer.from('{oops').toString('base64url'), isKey))).toBe('VALIDATION.FAILED');
  });

  it('parses limit: default 50, 1..500', () => {
    expect(parseLimit(undefined)).toBe(50);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('500')).toBe(500);
    for (const bad of ['0', '501', '-1', '1.5', 'ten', ['1', '2']]) expect(codeOf(() => parseLimit(bad))).toBe('VALIDATION.FAILED');
  });

  it('parses enums, booleans and sequences', () => {
    expect(parseEnum('severity', 'high', ['low', 'high'] as const)).toBe('high');
    expect(parseEnum('severity', undefined, ['low'] as const)).toBeUndefined();
    expect(codeOf(() => parseEnum('severity', 'HIGH', ['low', 'high'] as const))).toBe('VALIDATION.FAILED');
    expect(parseBool('active', 'true')).toBe(true);
    expect(parseBool('active', 'false')).toBe(false);
    expect(codeOf(() => parseBool('active', 'yes'))).toBe('VALIDATION.FAILED');
    expect(parseSeq('after', '42')).toBe(42);
    expect(codeOf(() => parseSeq('after', '-3'))).toBe('VALIDATION.FAILED');
  });
});
