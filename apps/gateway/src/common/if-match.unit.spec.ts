import { isImmuneError } from '@immune/contracts';
import { etagOf, parseIfMatch } from './if-match';

describe('If-Match', () => {
  it('reads a version with or without quotes', () => {
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch('12')).toBe(12);
    expect(parseIfMatch(' "0" ')).toBe(0);
    expect(parseIfMatch(etagOf(99))).toBe(99);
  });

  it('treats a missing header and * as any version', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('*')).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
  });

  it('refuses what cannot name one version', () => {
    for (const bad of ['W/"3"', '"1", "2"', 'abc', '"x"', '-1']) {
      try {
        parseIfMatch(bad);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(isImmuneError(e) && e.code).toBe('REQUEST.PRECONDITION_INVALID');
      }
    }
  });
});
