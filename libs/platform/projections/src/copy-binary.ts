/**
 * COPY's binary format, for the rebuild's tables (the archive's rows above all, written on the reader thread):
 * PostgreSQL takes each field as its length and its bytes, with no line to scan for delimiters and no escapes to
 * undo — measured on 200,000 archive rows, a backend's COPY took 1.0–1.2 s instead of 1.5–1.7 s in text format —
 * and the reader thread copies the message's strings and data as they are, without doubling backslashes.
 *
 *   stream  = header, tuple*, trailer
 *   tuple   = int16 field count, then per field: int32 byte length (-1 for NULL) and the bytes
 *   bigint  = int64, big-endian          timestamptz = int64 microseconds since 2000-01-01 00:00 UTC
 *   text    = the UTF-8 bytes            json = its text          jsonb = the byte 1, then its text
 *
 * Only Node imports here: the reader's worker thread uses it (see worker-thread.ts).
 */

/** `PGCOPY\n\377\r\n\0`, no flags, no header extension. */
export const COPY_BINARY_HEADER: Buffer = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** A field count of -1 ends the stream. */
export const COPY_BINARY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MICROS_PER_DAY = 86_400_000_000;
/** Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;

/**
 * A timestamptz as COPY's binary format has it — microseconds since 2000-01-01 00:00 UTC — for an ISO-8601 time in
 * the envelope's form (`YYYY-MM-DDTHH:MM[:SS[.fraction]]` and `Z` or a `±HH[[:]MM]` offset), computed exactly as
 * PostgreSQL's text input computes it: a fraction of up to six digits is exact, a longer one is rounded as
 * PostgreSQL rounds it (`rint(strtod(".fraction") * 1e6)`, half to even). Null for anything else and for values
 * PostgreSQL refuses (month 13, 2026-02-29, year 0, hour 24 past 24:00:00, an offset past ±15:59).
 */
export function timestamptzMicros(iso: string): number | bigint | null {
  if (iso.length === 24) {
    const fast = isoMillisMicros(iso, 0);
    if (fast !== undefined) return fast;
  }
  const m = ISO_TIME.exec(iso);
  if (m === null) return null;
  const digits = m[7];
  let fraction = 0;
  if (digits !== undefined) fraction = digits.length <= 6 ? Number(digits.padEnd(6, '0')) : roundHalfEven(Number(`0.${digits}`) * 1_000_000);
  let offsetSeconds = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
    if (offsetHours > 15 || offsetMinutes > 59) return null;
    offsetSeconds = (m[8] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  return fromParts(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6]), fraction, offsetSeconds);
}

/** timestamptzMicros of the ASCII time in `src[start, end)` (the reader thread's, from the message bytes). */
export function timestamptzMicrosAt(src: Uint8Array, start: number, end: number): number | bigint | null {
  if (end - start === 24) {
    const fast = isoMillisMicros(src, start);
    if (fast !== undefined) return fast;
  }
  return timestamptzMicros(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString('latin1'));
}

/**
 * The form `toISOString` writes (`YYYY-MM-DDTHH:MM:SS.sssZ`, every envelope of ours), read character by character
 * without the regular expression; undefined when the text is not in that form.
 */
function isoMillisMicros(src: Uint8Array | string, at: number): number | bigint | null | undefined {
  const c = typeof src === 'string' ? (i: number) => src.charCodeAt(at + i) : (i: number) => src[at + i]!;
  if (c(4) !== 0x2d || c(7) !== 0x2d || c(10) !== 0x54 || c(13) !== 0x3a || c(16) !== 0x3a || c(19) !== 0x2e || c(23) !== 0x5a) return undefined;
  const n = (from: number, count: number) => {
    let value = 0;
    for (let i = from; i < from + count; i++) {
      const d = c(i) - 0x30;
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  };
  const year = n(0, 4);
  const month = n(5, 2);
  const day = n(8, 2);
  const hour = n(11, 2);
  const minute = n(14, 2);
  const second = n(17, 2);
  const millis = n(20, 3);
  if ((year | month | day | hour | minute | second | millis) < 0) return undefined;
  return fromParts(year, month, day, hour, minute, second, millis * 1000, 0);
}

/** The microseconds of a time's parts (the offset in seconds east of UTC), or null for one PostgreSQL refuses. */
function fromParts(year: number, month: number, day: number, hour: number, minute: number, second: number, fraction: number, offsetSeconds: number): number | bigint | null {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (minute > 59 || second > 59 || hour > 24 || (hour === 24 && (minute > 0 || second > 0 || fraction > 0))) return null;
  const days = daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
  const micros = (hour * 3600 + minute * 60 + second - offsetSeconds) * 1_000_000 + fraction;
  // Within ±100,000 days of 2000 (years 1727 to 2273) the sum stays an exact double; past that, BigInt.
  if (Math.abs(days) < 100_000) return days * MICROS_PER_DAY + micros;
  return BigInt(days) * BigInt(MICROS_PER_DAY) + BigInt(micros);
}

/** Writes a 64-bit signed integer, big-endian, at `o`; returns the offset after it. */
export function writeInt64(out: Buffer, value: number | bigint, o: number): number {
  if (typeof value === 'bigint') return out.writeBigInt64BE(value, o);
  const hi = Math.floor(value / 4_294_967_296);
  out.writeInt32BE(hi, o);
  out.writeUInt32BE(value - hi * 4_294_967_296, o + 4);
  return o + 8;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
