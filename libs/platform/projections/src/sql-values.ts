import { JsonText, type ColumnSpec, type ColumnType, type ColumnValue } from '@immune/read-models';
import { timestamptzMicros, writeInt64 } from './copy-binary';

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

export function qualifiedTable(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * The live runner (rows as one JSON parameter, see insertRows) and the rebuild (COPY, text or binary, below) must hand
 * PostgreSQL the same value for every column, so the tables they produce are equal row for row: json and jsonb are
 * always JSON (a null is JSON null, never SQL NULL) as JSON.stringify writes it — for json, which PostgreSQL keeps
 * as text, that is the exact text both paths store —, numbers as JavaScript prints them, booleans, and times as
 * the ISO-8601 strings of the envelopes. The int specs compare both paths table by table.
 */

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes a value for COPY's text format: backslash, newline, carriage return and tab. */
export function escapeCopyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : s;
}

/** One field of a COPY text-format row (`\N` is NULL). */
export function toCopyField(type: ColumnType, v: ColumnValue | undefined): string {
  return COPY_ENCODERS[type](v);
}

type CopyEncoder = (v: ColumnValue | undefined) => string;

function copyText(v: ColumnValue | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return escapeCopyText(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
}

function copyScalar(v: ColumnValue | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return typeof v === 'string' ? escapeCopyText(v) : typeof v === 'object' ? escapeCopyText(JSON.stringify(v)) : String(v);
}

/**
 * Compact JSON text never holds a raw newline, tab or carriage return (JSON escapes them inside strings, and a
 * JsonText has no whitespace between tokens, see raw-data.ts): only backslashes need doubling.
 */
function copyJson(v: ColumnValue | undefined): string {
  const s = jsonTextOf(v);
  return s.indexOf('\\') === -1 ? s : s.replaceAll('\\', '\\\\');
}

/** The JSON text a json or jsonb column stores for a value, on both paths (JSON null for null and undefined). */
export function jsonTextOf(v: ColumnValue | undefined): string {
  return v instanceof JsonText ? v.text : JSON.stringify(v ?? null);
}

const COPY_ENCODERS: Record<ColumnType, CopyEncoder> = {
  text: copyText,
  timestamptz: copyText,
  bigint: copyScalar,
  integer: copyScalar,
  'double precision': copyScalar,
  boolean: copyScalar,
  json: copyJson,
  jsonb: copyJson,
};

/** One row of COPY text format, newline included. */
export function toCopyLine(columns: readonly ColumnSpec[], values: readonly (ColumnValue | undefined)[]): string {
  return copyLineEncoder(columns)(values);
}

/**
 * The COPY line encoder of a fixed list of columns, with each column's encoder looked up once (a rebuild encodes
 * every row of a table with the same columns).
 */
export function copyLineEncoder(columns: readonly ColumnSpec[]): (values: readonly (ColumnValue | undefined)[]) => string {
  const encoders = columns.map((c) => COPY_ENCODERS[c.type]);
  const n = encoders.length;
  return (values) => {
    let line = encoders[0]!(values[0]);
    for (let i = 1; i < n; i++) line += `\t${encoders[i]!(values[i])}`;
    return `${line}\n`;
  };
}

/**
 * The COPY binary-format encoder of a fixed list of columns (copy-binary.ts), or null when a column type has none
 * here. It writes the values the text encoder would write, so PostgreSQL stores the same; a value of a JavaScript
 * type the column's binary form cannot take (a string for a boolean, 1.5 for an integer, a time not in ISO-8601
 * form) throws — `binaryEncodable` tells beforehand. The tuple returned lies in the encoder's own buffer: valid
 * until its next call.
 */
export function binaryRowEncoder(columns: readonly ColumnSpec[]): ((values: readonly (ColumnValue | undefined)[]) => Buffer) | null {
  const writers: BinaryWriter[] = [];
  for (const c of columns) {
    const writer = BINARY_WRITERS[c.type];
    if (writer === undefined) return null;
    writers.push(writer);
  }
  const out = new TupleBuffer();
  return (values) => {
    out.pos = 0;
    out.room(2);
    out.pos = out.buf.writeInt16BE(writers.length, 0);
    for (let i = 0; i < writers.length; i++) writers[i]!(out, values[i]);
    return out.buf.subarray(0, out.pos);
  };
}

/** Whether binaryRowEncoder takes every value of these rows (checks the columns whose binary form is strict). */
export function binaryEncodable(columns: readonly ColumnSpec[], rows: Iterable<readonly (ColumnValue | undefined)[]>): boolean {
  if (columns.some((c) => BINARY_WRITERS[c.type] === undefined)) return false;
  const strict = columns.flatMap((c, i) => {
    const takes = BINARY_TAKES[c.type];
    return takes ? [{ i, takes }] : [];
  });
  for (const row of rows) {
    for (const { i, takes } of strict) {
      const v = row[i];
      if (v !== null && v !== undefined && !takes(v)) return false;
    }
  }
  return true;
}

class TupleBuffer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  nullField(): void {
    this.room(4);
    this.pos = this.buf.writeInt32BE(-1, this.pos);
  }

  /** A field of `prefix` bytes (written by the caller at the offset returned; `buf` may have grown) and then the string's UTF-8. */
  stringField(s: string, prefix = 0): number {
    this.room(4 + prefix + 3 * s.length);
    const at = this.pos + 4;
    const n = this.buf.write(s, at + prefix, 'utf8');
    this.buf.writeInt32BE(prefix + n, this.pos);
    this.pos = at + prefix + n;
    return at;
  }

  /** The offset to write the value at: read `buf` after this call (it may have grown). */
  fixedField(size: number): number {
    this.room(4 + size);
    this.buf.writeInt32BE(size, this.pos);
    const at = this.pos + 4;
    this.pos = at + size;
    return at;
  }
}

type BinaryWriter = (out: TupleBuffer, v: ColumnValue | undefined) => void;

const isInt64 = (v: ColumnValue) => (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,18}$/.test(v));
const isInt32 = (v: ColumnValue) => typeof v === 'number' && Number.isInteger(v) && v >= -2_147_483_648 && v <= 2_147_483_647;
const isTime = (v: ColumnValue) => typeof v === 'string' && timestamptzMicros(v) !== null;

/** The JavaScript values each strict binary form takes (null and undefined are NULL everywhere). */
const BINARY_TAKES: Partial<Record<ColumnType, (v: ColumnValue) => boolean>> = {
  bigint: isInt64,
  integer: isInt32,
  'double precision': (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  timestamptz: isTime,
};

function strict(type: ColumnType, v: ColumnValue): never {
  throw new Error(`a ${type} column cannot take ${JSON.stringify(v)?.slice(0, 60)} in COPY's binary format`);
}

const BINARY_WRITERS: Partial<Record<ColumnType, BinaryWriter>> = {
  text: (out, v) => (v === null || v === undefined ? out.nullField() : void out.stringField(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))),
  json: (out, v) => void out.stringField(jsonTextOf(v)),
  jsonb: (out, v) => {
    // jsonb's binary form: a version byte (1), then the JSON text.
    const at = out.stringField(jsonTextOf(v), 1);
    out.buf[at] = 1;
  },
  bigint: (out, v) => {
    if (v === null || v === undefined) return out.nullField();
    if (!isInt64(v)) strict('bigint', v);
    const at = out.fixedField(8);
    writeInt64(out.buf, typeof v === 'number' ? v : BigInt(v as string), at);
  },
  integer: (out, v) => {
    if (v === null || v === undefined) return out.nullField();
    if (!isInt32(v)) strict('integer', v);
    const at = out.fixedField(4);
    out.buf.writeInt32BE(v as number, at);
  },
  'double precision': (out, v) => {
    if (v === null || v === undefined) return out.nullField();
    if (typeof v !== 'number') strict('double precision', v);
    // -0 as 0: the text path writes String(-0), which is "0".
    const at = out.fixedField(8);
    out.buf.writeDoubleBE(v === 0 ? 0 : (v as number), at);
  },
  boolean: (out, v) => {
    if (v === null || v === undefined) return out.nullField();
    if (typeof v !== 'boolean') strict('boolean', v);
    const at = out.fixedField(1);
    out.buf[at] = v ? 1 : 0;
  },
  timestamptz: (out, v) => {
    if (v === null || v === undefined) return out.nullField();
    const micros = typeof v === 'string' ? timestamptzMicros(v) : null;
    if (micros === null) strict('timestamptz', v);
    const at = out.fixedField(8);
    writeInt64(out.buf, micros!, at);
  },
};
