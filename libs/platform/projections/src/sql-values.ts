import type { ColumnSpec, ColumnType, ColumnValue } from '@immune/read-models';

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

export function qualifiedTable(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A column value as a query parameter. The live runner (parameters) and the rebuild (COPY text) must hand
 * PostgreSQL the same text for every value, so both go through the same rules: jsonb is always JSON (a null
 * is JSON null, never SQL NULL), numbers and booleans as node-postgres prints them, times as ISO strings.
 */
export function toParam(type: ColumnType, v: ColumnValue | undefined): string | number | boolean | null {
  if (type === 'jsonb') return JSON.stringify(v ?? null);
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

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

/** JSON text never holds a raw newline, tab or carriage return (JSON escapes them): only backslashes need doubling. */
function copyJson(v: ColumnValue | undefined): string {
  const s = JSON.stringify(v ?? null);
  return s.indexOf('\\') === -1 ? s : s.replaceAll('\\', '\\\\');
}

const COPY_ENCODERS: Record<ColumnType, CopyEncoder> = {
  text: copyText,
  timestamptz: copyText,
  bigint: copyScalar,
  integer: copyScalar,
  'double precision': copyScalar,
  boolean: copyScalar,
  jsonb: copyJson,
};

/** One row of COPY text format, newline included. */
export function toCopyLine(columns: readonly ColumnSpec[], values: readonly (ColumnValue | undefined)[]): string {
  let line = COPY_ENCODERS[columns[0]!.type](values[0]);
  for (let i = 1; i < columns.length; i++) line += `\t${COPY_ENCODERS[columns[i]!.type](values[i])}`;
  return `${line}\n`;
}

/** `$n::type` placeholders of a multi-row VALUES list, for `rows` rows of `columns`. */
export function valuesPlaceholders(columns: readonly ColumnSpec[], rows: number): string {
  const out: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (const c of columns) row.push(`$${n++}::${c.type}`);
    out.push(`(${row.join(',')})`);
  }
  return out.join(',');
}
