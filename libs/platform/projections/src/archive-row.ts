/**
 * The archive's COPY row of an event, in COPY's binary format (copy-binary.ts), written straight from the message's
 * bytes on the reader's worker thread, so that the main thread — the rebuild's critical path, which decodes and
 * evolves every event — only forwards it. Encoding the row from the parsed envelope (strings joined, then UTF-8
 * encoded again) was a third of the main thread's time in a rebuild.
 *
 * Only a message in exactly the layout our writer stores (`JSON.stringify` of the envelope, keys in its order) gets
 * a row here; any other message gets none and the main thread encodes it from the parsed envelope, as before:
 *
 *   {"schemaVersion":1,"id":"…","type":"…","aggregate":"…","aggregateId":"…"[,"agentId":"…"],"occurredAt":"…",
 *    "actor":"…","correlationId":"…","causationId":"…","data":<data>,"prevHash":null|"…","hash":"…"}
 *
 * with no backslash in any of those strings (so each is its own value, its bytes the string JSON.parse gives), the
 * data one compact JSON value (raw-data.ts), the time one timestamptzMicros reads, and the whole message valid
 * UTF-8. The layout leaves no room for another key, so the values JSON.parse gives are exactly these bytes: the row
 * equals, byte for byte, what the main thread would encode — `binaryRowEncoder(eventsProjection.columns)` of
 * `eventsProjection.toColumns(event)`, with the data as logged (archive-row.unit.spec.ts compares the two). The main
 * thread still decodes every message and uses the row only for an event it accepts (not poison, not an id seen
 * before).
 *
 * Only Node imports here (see worker-thread.ts).
 */
import { isUtf8 } from 'node:buffer';
import { isOneCompactValueBytes } from './compact-json';
import { timestamptzMicrosAt, writeInt64 } from './copy-binary';

/** The archive's columns, in order, with their types, that this writes (checked against the projection by the rebuild). */
export const ARCHIVE_ROW_COLUMNS = [
  'seq bigint',
  'id text',
  'subject text',
  'type text',
  'aggregate text',
  'aggregate_id text',
  'agent_id text',
  'occurred_at timestamptz',
  'actor text',
  'correlation_id text',
  'causation_id text',
  'data json',
  'prev_hash text',
  'hash text',
] as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const HEAD = Buffer.from('{"schemaVersion":1,"id":"');
/** Between one string value and the next key's value, in order; agentId may be left out. */
const KEYS = ['type', 'aggregate', 'aggregateId', 'agentId', 'occurredAt', 'actor', 'correlationId', 'causationId'].map((k) => Buffer.from(`","${k}":"`));
const AGENT_ID = 3;
const DATA_KEY = Buffer.from('","data":');
const PREV_NULL = Buffer.from(',"prevHash":null,"hash":"');
const PREV_KEY = Buffer.from(',"prevHash":"');
const HASH_KEY = Buffer.from('","hash":"');
/** occurredAt is the sixth string field (0-based 5). */
const OCCURRED_AT = 5;

/** Grows as needed; a row is written at `pos`. */
export class ArchiveRows {
  buf = Buffer.allocUnsafe(1024 * 1024);
  pos = 0;

  /** The rows so far, copied out into an ArrayBuffer of their own (to transfer); starts afresh. */
  take(): ArrayBuffer {
    const taken = this.buf.buffer.slice(this.buf.byteOffset, this.buf.byteOffset + this.pos) as ArrayBuffer;
    this.pos = 0;
    return taken;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Appends the row of the message `src[start, end)` and returns true, or returns false (and appends nothing)
   * when the message is not in the layout above.
   */
  append(src: Buffer, start: number, end: number, seq: number, subject: string): boolean {
    // Field ranges, as pairs: id, type, aggregate, aggregateId, agentId (or -1), occurredAt, actor, correlationId, causationId.
    const f = FIELDS;
    if (!matchAt(src, start, HEAD)) return false;
    // Backslashes are allowed in the data only: the first one must come after the head, the last one before the tail.
    let firstSlash = src.indexOf(BACKSLASH, start);
    if (firstSlash >= end) firstSlash = -1;
    let pos = start + HEAD.length;
    let k = 0;
    for (let n = 0; n < 9; n++) {
      const close = src.indexOf(QUOTE, pos);
      if (close < 0 || close >= end) return false;
      f[2 * n] = pos;
      f[2 * n + 1] = close;
      if (n === 8) {
        if (!matchAt(src, close, DATA_KEY)) return false;
        pos = close + DATA_KEY.length;
        break;
      }
      // The key after this value: the next one, or (after aggregateId) the one after agentId when it is left out.
      if (matchAt(src, close, KEYS[k]!)) {
        pos = close + KEYS[k]!.length;
        k++;
      } else if (k === AGENT_ID && matchAt(src, close, KEYS[AGENT_ID + 1]!)) {
        f[2 * n + 2] = -1;
        f[2 * n + 3] = -1;
        n++;
        pos = close + KEYS[AGENT_ID + 1]!.length;
        k = AGENT_ID + 2;
      } else return false;
    }
    const dataStart = pos;
    if (firstSlash >= 0 && firstSlash < dataStart) return false;
    // The tail, from the end: "hash"}, then ,"prevHash":null or ,"prevHash":"…".
    if (end - dataStart < 4 || src[end - 1] !== 0x7d || src[end - 2] !== QUOTE) return false;
    const hashEnd = end - 2;
    const hashStart = src.lastIndexOf(QUOTE, hashEnd - 1) + 1;
    if (hashStart <= dataStart) return false;
    let dataEnd: number;
    let prevStart = -1;
    let prevEnd = -1;
    if (hashStart - PREV_NULL.length >= dataStart && matchAt(src, hashStart - PREV_NULL.length, PREV_NULL)) {
      dataEnd = hashStart - PREV_NULL.length;
    } else {
      if (!matchAt(src, hashStart - HASH_KEY.length, HASH_KEY)) return false;
      prevEnd = hashStart - HASH_KEY.length;
      prevStart = src.lastIndexOf(QUOTE, prevEnd - 1) + 1;
      if (prevStart <= dataStart || !matchAt(src, prevStart - PREV_KEY.length, PREV_KEY)) return false;
      dataEnd = prevStart - PREV_KEY.length;
    }
    if (firstSlash >= 0 && src.lastIndexOf(BACKSLASH, end - 1) >= dataEnd) return false;
    if (dataEnd <= dataStart || !isOneCompactValueBytes(src, dataStart, dataEnd)) return false;
    if (!isUtf8(src.subarray(start, end))) return false;
    const at = f[2 * OCCURRED_AT]!;
    const micros = timestamptzMicrosAt(src, at, f[2 * OCCURRED_AT + 1]!);
    if (micros === null) return false;

    // The tuple: 14 fields, each its length and its bytes (-1 for NULL).
    const subjectBytes = Buffer.byteLength(subject);
    this.room(2 + 14 * 4 + 16 + subjectBytes + (end - start));
    const out = this.buf;
    let o = out.writeInt16BE(14, this.pos);
    o = out.writeInt32BE(8, o);
    o = writeInt64(out, seq, o);
    o = field(src, f[0]!, f[1]!, out, o);
    o = out.writeInt32BE(subjectBytes, o);
    o += out.write(subject, o, 'utf8');
    for (let n = 1; n < 9; n++) {
      if (n === OCCURRED_AT) {
        o = out.writeInt32BE(8, o);
        o = writeInt64(out, micros, o);
        continue;
      }
      const a = f[2 * n]!;
      o = a < 0 ? out.writeInt32BE(-1, o) : field(src, a, f[2 * n + 1]!, out, o);
    }
    o = out.writeInt32BE(dataEnd - dataStart, o);
    o += src.copy(out, o, dataStart, dataEnd);
    o = prevStart < 0 ? out.writeInt32BE(-1, o) : field(src, prevStart, prevEnd, out, o);
    o = field(src, hashStart, hashEnd, out, o);
    this.pos = o;
    return true;
  }
}

const FIELDS = new Int32Array(18);

function matchAt(src: Buffer, at: number, literal: Buffer): boolean {
  if (at < 0 || at + literal.length > src.length) return false;
  for (let i = 0; i < literal.length; i++) if (src[at + i] !== literal[i]) return false;
  return true;
}

/** One field: its length, then its bytes (short ranges byte by byte, cheaper than a native call for ids and names). */
function field(src: Buffer, start: number, end: number, out: Buffer, o: number): number {
  const n = end - start;
  out[o] = n >>> 24;
  out[o + 1] = (n >>> 16) & 0xff;
  out[o + 2] = (n >>> 8) & 0xff;
  out[o + 3] = n & 0xff;
  o += 4;
  if (end - start > 64) return o + src.copy(out, o, start, end);
  for (let i = start; i < end; i++) out[o++] = src[i]!;
  return o;
}
