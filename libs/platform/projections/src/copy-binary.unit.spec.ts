import { timestamptzMicros, timestamptzMicrosAt, writeInt64 } from './copy-binary';

describe('timestamptzMicros (COPY binary timestamptz)', () => {
  it('counts microseconds from 2000-01-01 UTC, before and after, with offsets', () => {
    expect(timestamptzMicros('2000-01-01T00:00:00Z')).toBe(0);
    expect(timestamptzMicros('1970-01-01T00:00:00Z')).toBe(-946_684_800_000_000);
    expect(timestamptzMicros('2000-01-01T02:00:00+02:00')).toBe(0);
    expect(timestamptzMicros('1999-12-31T22:30:00-01:30')).toBe(0);
    expect(timestamptzMicros('2000-01-01T00:00Z')).toBe(0);
    expect(timestamptzMicros('2024-02-29T00:00:00.000001Z')).toBe(Date.UTC(2024, 1, 29) * 1000 + 946_684_800_000_000 * -1 + 1);
    expect(timestamptzMicros('2000-01-01T24:00:00Z')).toBe(86_400_000_000);
  });

  it('agrees with Date for every millisecond time our writer produces', () => {
    let state = 7;
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let i = 0; i < 5000; i++) {
      const ms = Date.UTC(1900, 0, 1) + (next() / 2_147_483_648) * (Date.UTC(2200, 0, 1) - Date.UTC(1900, 0, 1));
      const iso = new Date(Math.floor(ms)).toISOString();
      const expected = Math.floor(ms) * 1000 - Date.UTC(2000, 0, 1) * 1000;
      expect(timestamptzMicros(iso)).toBe(expected);
      const bytes = Buffer.from(`xx${iso}yy`);
      expect(timestamptzMicrosAt(bytes, 2, 2 + iso.length)).toBe(expected);
    }
  });

  it('rounds a fraction past six digits half to even, as PostgreSQL does', () => {
    expect(timestamptzMicros('2000-01-01T00:00:00.0000005Z')).toBe(0);
    expect(timestamptzMicros('2000-01-01T00:00:00.0000015Z')).toBe(2);
    expect(timestamptzMicros('2000-01-01T00:00:00.123456789Z')).toBe(123_457);
    expect(timestamptzMicros('2000-01-01T00:00:00.9999999Z')).toBe(1_000_000);
  });

  it('goes to BigInt far from 2000', () => {
    expect(timestamptzMicros('9999-12-31T23:59:59.999999Z')).toBe(252_455_615_999_999_999n);
    expect(timestamptzMicros('0001-01-01T00:00:00Z')).toBe(-63_082_281_600_000_000n);
  });

  it('refuses what PostgreSQL refuses and forms it does not read', () => {
    for (const bad of ['2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-32T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:01Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:60Z', '2026-01-01T00:00:00+16:00', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00', 'x']) {
      expect([bad, timestamptzMicros(bad)]).toEqual([bad, null]);
      const bytes = Buffer.from(bad);
      expect([bad, timestamptzMicrosAt(bytes, 0, bytes.length)]).toEqual([bad, null]);
    }
    const wrong = Buffer.from('2026-01-01T00:0a:00.000Z');
    expect(timestamptzMicrosAt(wrong, 0, wrong.length)).toBeNull();
  });

  it('writes int64 big-endian from a number or a BigInt', () => {
    for (const v of [0, 1, -1, 820_938_125_000_000, -946_684_800_000_000, 2 ** 53 - 1]) {
      const out = Buffer.alloc(8);
      expect(writeInt64(out, v, 0)).toBe(8);
      expect(out.readBigInt64BE(0)).toBe(BigInt(v));
    }
    const out = Buffer.alloc(8);
    writeInt64(out, -63_082_281_600_000_000n, 0);
    expect(out.readBigInt64BE(0)).toBe(-63_082_281_600_000_000n);
  });
});
