import type { ColumnSpec, ColumnType } from '@immune/read-models';
import { JsonText } from '@immune/read-models';
import { binaryEncodable, binaryRowEncoder } from './sql-values';

const col = (type: ColumnType): ColumnSpec => ({ name: 'c', type });
/** The one field of a one-column tuple: its length and bytes as hex, or null for NULL. */
function field(type: ColumnType, v: unknown): string | null {
  const tuple = binaryRowEncoder([col(type)])!([v as never]);
  expect(tuple.readInt16BE(0)).toBe(1);
  const n = tuple.readInt32BE(2);
  if (n === -1) return null;
  expect(tuple.length).toBe(6 + n);
  return tuple.toString('hex', 6);
}

describe('binaryRowEncoder (COPY binary tuples)', () => {
  it('encodes each column type as PostgreSQL reads it', () => {
    expect(field('text', 'é\t\\')).toBe(Buffer.from('é\t\\').toString('hex'));
    expect(field('text', { a: 1 })).toBe(Buffer.from('{"a":1}').toString('hex'));
    expect(field('text', null)).toBeNull();
    expect(field('json', { a: [1, '\\'] })).toBe(Buffer.from('{"a":[1,"\\\\"]}').toString('hex'));
    expect(field('json', new JsonText('{"kept" : 1}'))).toBe(Buffer.from('{"kept" : 1}').toString('hex'));
    expect(field('json', null)).toBe(Buffer.from('null').toString('hex'));
    expect(field('jsonb', { a: 1 })).toBe(`01${Buffer.from('{"a":1}').toString('hex')}`);
    expect(field('bigint', 258)).toBe('0000000000000102');
    expect(field('bigint', -1)).toBe('ffffffffffffffff');
    expect(field('bigint', '9007199254740993')).toBe('0020000000000001');
    expect(field('integer', -2)).toBe('fffffffe');
    expect(field('double precision', 1.5)).toBe('3ff8000000000000');
    expect(field('double precision', -0)).toBe('0000000000000000');
    expect(field('boolean', true)).toBe('01');
    expect(field('boolean', false)).toBe('00');
    expect(field('timestamptz', '2000-01-01T00:00:01Z')).toBe('00000000000f4240');
    expect(field('timestamptz', undefined)).toBeNull();
  });

  it('writes several fields into one tuple and grows past its buffer', () => {
    const encode = binaryRowEncoder([col('bigint'), col('text'), col('boolean')])!;
    const big = 'ü'.repeat(100_000);
    const tuple = encode([7, big, true]);
    expect(tuple.readInt16BE(0)).toBe(3);
    expect(tuple.readInt32BE(2)).toBe(8);
    expect(tuple.readInt32BE(14)).toBe(200_000);
    expect(tuple.toString('utf8', 18, 18 + 200_000)).toBe(big);
    expect(tuple.readInt32BE(18 + 200_000)).toBe(1);
    expect(tuple.length).toBe(18 + 200_000 + 5);
    // The next tuple reuses the buffer.
    expect(encode([1, 'a', false]).length).toBe(2 + 12 + 5 + 5);
  });

  it('refuses values whose binary form it cannot write, and binaryEncodable tells beforehand', () => {
    const cases: [ColumnType, unknown][] = [
      ['boolean', 'true'],
      ['integer', 1.5],
      ['integer', 2 ** 31],
      ['bigint', 1e21],
      ['double precision', '1.5'],
      ['timestamptz', '2026-01-05 16:22:05+00'],
      ['timestamptz', 1_767_225_600_000],
    ];
    for (const [type, v] of cases) {
      expect(() => field(type, v)).toThrow(/cannot take/);
      expect(binaryEncodable([col('text'), col(type)], [['x', 1 as never], ['y', v as never]])).toBe(false);
    }
    expect(binaryEncodable([col('text'), col('timestamptz'), col('integer')], [['x', '2026-01-05T16:22:05.949Z', 3], ['y', null, null]])).toBe(true);
  });
});
