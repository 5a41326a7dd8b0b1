/**
 * The archive's COPY row of an event, written straight from the message's bytes on the reader's worker thread, so
 * that the main thread — the rebuild's critical path, which decodes and evolves every event — only forwards it.
 * Encoding the row from the parsed envelope (strings joined, then UTF-8 encoded again) was a third of the main
 * thread's time in a rebuild.
 *
 * Only a message in exactly the layout our writer stores (`JSON.stringify` of the envelope, keys in its order) gets
 * a row here; any other message gets none and the main thread encodes it from the parsed envelope, as before:
 *
 *   {"schemaVersion":1,"id":"…","type":"…","aggregate":"…","aggregateId":"…"[,"agentId":"…"],"occurredAt":"…",
 *    "actor":"…","correlationId":"…","causationId":"…","data":<data>,"prevHash":null|"…","hash":"…"}
 *
 * with no backslash in any of those strings (so each is its own value, and needs no COPY escaping either), the data
 * one compact JSON value (raw-data.ts), and the whole message valid UTF-8. The layout leaves no room for another
 * key, so the values JSON.parse gives are exactly these bytes: the row equals, byte for byte, what the main thread
 * would encode — `copyLineEncoder(eventsProjection.columns)(eventsProjection.toColumns(event))`, with the data as
 * logged (archive-row.unit.spec.ts compares the two). The main thread still decodes every message and uses the row
 * only for an event it accepts (not poison, not an id seen before).
 *
 * Only Node imports here (see worker-thread.ts).
 */
import { isUtf8 } from 'node:buffer';

/** The archive's columns, in order, this writes (checked against the projection by the rebuild). */
export const ARCHIVE_ROW_COLUMNS = [
  'seq',
  'id',
  'subject',
  'type',
  'aggregate',
  'aggregate_id',
  'agent_id',
  'occurred_at',
  'actor',
  'correlation_id',
  'causation_id',
  'data',
  'prev_hash',
  'hash',
] as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TAB = 0x09;

const HEAD = Buffer.from('{"schemaVersion":1,"id":"');
/** Between one string value and the next key's value, in order; agentId may be left out. */
const KEYS = ['type', 'aggregate', 'aggregateId', 'agentId', 'occurredAt', 'actor', 'correlationId', 'causationId'].map((k) => Buffer.from(`","${k}":"`));
const AGENT_ID = 3;
const DATA_KEY = Buffer.from('","data":');
const PREV_NULL = Buffer.from(',"prevHash":null,"hash":"');
const PREV_KEY = Buffer.from(',"prevHash":"');
const HASH_KEY = Buffer.from('","hash":"');
const NULL_FIELD = Buffer.from('\\N');

/** Grows as needed; a row is written at `pos`. */
export class ArchiveRows {
  buf = Buffer.allocUnsafe(1024 * 1024);
  pos = 0;

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
    for (let field = 0; field < 9; field++) {
      const close = src.indexOf(QUOTE, pos);
      if (close < 0 || close >= end) return false;
      f[2 * field] = pos;
      f[2 * field + 1] = close;
      if (field === 8) {
        if (!matchAt(src, close, DATA_KEY)) return false;
        pos = close + DATA_KEY.length;
        break;
      }
      // The key after this value: the next one, or (after aggregateId) the one after agentId when it is left out.
      if (matchAt(src, close, KEYS[k]!)) {
        pos = close + KEYS[k]!.length;
        k++;
      } else if (k === AGENT_ID && matchAt(src, close, KEYS[AGENT_ID + 1]!)) {
        f[2 * field + 2] = -1;
        f[2 * field + 3] = -1;
        field++;
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
    if (dataEnd <= dataStart || !isOneCompactValue(src, dataStart, dataEnd)) return false;
    if (!isUtf8(src.subarray(start, end))) return false;
    if (/[\\\t\n\r]/.test(subject)) return false;

    // The row: every field is written as is but the data, whose backslashes COPY's text format doubles.
    const subjectBytes = Buffer.byteLength(subject);
    this.room(24 + subjectBytes + 2 * (end - start) + 32);
    const out = this.buf;
    let o = this.pos;
    o += out.write(String(seq), o, 'latin1');
    out[o++] = TAB;
    o = copyRange(src, f[0]!, f[1]!, out, o);
    out[o++] = TAB;
    o += out.write(subject, o, 'utf8');
    for (let field = 1; field < 9; field++) {
      out[o++] = TAB;
      const a = f[2 * field]!;
      o = a < 0 ? copyRange(NULL_FIELD, 0, 2, out, o) : copyRange(src, a, f[2 * field + 1]!, out, o);
    }
    out[o++] = TAB;
    o = firstSlash < 0 ? o + src.copy(out, o, dataStart, dataEnd) : copyDoublingBackslashes(src, dataStart, dataEnd, out, o);
    out[o++] = TAB;
    o = prevStart < 0 ? copyRange(NULL_FIELD, 0, 2, out, o) : copyRange(src, prevStart, prevEnd, out, o);
    out[o++] = TAB;
    o = copyRange(src, hashStart, hashEnd, out, o);
    out[o++] = 0x0a;
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

function copyDoublingBackslashes(src: Buffer, start: number, end: number, out: Buffer, o: number): number {
  for (let from = start; ; ) {
    const slash = src.indexOf(BACKSLASH, from);
    if (slash < 0 || slash >= end) return o + src.copy(out, o, from, end);
    o += src.copy(out, o, from, slash + 1);
    out[o++] = BACKSLASH;
    from = slash + 1;
  }
}

/** Short ranges byte by byte (cheaper than a native call for ids and names), long ones natively. */
function copyRange(src: Buffer, start: number, end: number, out: Buffer, o: number): number {
  if (end - start > 64) return o + src.copy(out, o, start, end);
  for (let i = start; i < end; i++) out[o++] = src[i]!;
  return o;
}

/** raw-data.ts's check on bytes: exactly one compact JSON value (given that the whole message is valid JSON). */
function isOneCompactValue(src: Buffer, start: number, end: number): boolean {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = src[i]!;
    if (c === QUOTE) {
      let q = i + 1;
      for (;;) {
        q = src.indexOf(QUOTE, q);
        if (q < 0 || q >= end) return false;
        let backslashes = 0;
        while (src[q - 1 - backslashes] === BACKSLASH) backslashes++;
        if ((backslashes & 1) === 0) break;
        q++;
      }
      i = q + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) return false;
    } else if (c <= 0x20) return false;
    else if (depth === 0 && (c === 0x2c || c === 0x3a)) return false;
    i++;
  }
  return depth === 0;
}
