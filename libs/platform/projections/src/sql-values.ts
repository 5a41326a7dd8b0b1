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
 * The live runner (rows as one JSON parameter, see insertRows) and the rebuild (COPY text, below) must hand
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
 * The COPY binary-format encoder of a fixed list of columns (copy-binary.ts): one tuple per call, as a Buffer, with
 * the values the text encoder would write — so PostgreSQL stores the same — or null when a column type has no
 * binary encoding here (then the table is COPYed as text).
 */
export function binaryRowEncoder(columns: readonly ColumnSpec[]): ((values: readonly (ColumnValue | undefined)[]) => Buffer) | null {
  const encoders: BinaryEncoder[] = [];
  for (const c of columns) {
    const encoder = BINARY_ENCODERS[c.type];
    if (encoder === undefined) return null;
    encoders.push(encoder);
  }
  return (values) => {
    const fields = encoders.map((encode, i) => encode(values[i]));
    const out = Buffer.allocUnsafe(2 + fields.reduce((n, f) => n + 4 + (f?.length ?? 0), 0));
    let o = out.writeInt16BE(fields.length, 0);
    for (const f of fields) {
      o = out.writeInt32BE(f === null ? -1 : f.length, o);
      if (f !== null) o += f.copy(out, o);
    }
    return out;
  };
}

type BinaryEncoder = (v: ColumnValue | undefined) => Buffer | null;

const BINARY_ENCODERS: Partial<Record<ColumnType, BinaryEncoder>> = {
  text: (v) => (v === null || v === undefined ? null : Buffer.from(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))),
  bigint: (v) => {
    if (v === null || v === undefined) return null;
    const n = typeof v === 'number' && Number.isSafeInteger(v) ? v : typeof v === 'string' && /^-?\d{1,19}$/.test(v) ? BigInt(v) : null;
    if (n === null) throw new Error(`not a bigint: ${String(v).slice(0, 40)}`);
    const out = Buffer.allocUnsafe(8);
    writeInt64(out, n, 0);
    return out;
  },
  timestamptz: (v) => {
    if (v === null || v === undefined) return null;
    const micros = typeof v === 'string' ? timestamptzMicros(v) : null;
    if (micros === null) throw new Error(`not an ISO-8601 time PostgreSQL takes: ${String(v).slice(0, 40)}`);
    const out = Buffer.allocUnsafe(8);
    writeInt64(out, micros, 0);
    return out;
  },
  json: (v) => Buffer.from(jsonTextOf(v)),
};
