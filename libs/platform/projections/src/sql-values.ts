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
  const p = toParam(type, v);
  if (p === null) return '\\N';
  if (typeof p === 'boolean') return p ? 't' : 'f';
  if (typeof p === 'number') return String(p);
  return escapeCopyText(p);
}

/** One row of COPY text format, newline included. */
export function toCopyLine(columns: readonly ColumnSpec[], values: readonly (ColumnValue | undefined)[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += '\t';
    line += toCopyField(columns[i]!.type, values[i]);
  }
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
