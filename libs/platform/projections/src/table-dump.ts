import type { DataSource } from 'typeorm';
import { READ_MODEL_PROJECTIONS, type ProjectionDefinition } from '@immune/read-models';
import { CHECKPOINT_TABLE } from './projection-runner';
import { qualifiedTable, quoteIdent } from './sql-values';

export interface ProjectionTablesDump {
  /** Every row of every projection table, `SELECT * … ORDER BY key`, as JSON text per row. */
  tables: Record<string, string[]>;
  checkpoints: Record<string, number>;
}

/**
 * The contents of the projection tables of a schema, to compare two of them row for row (a live run against a
 * rebuild, or against another run of the same log). Rows are rendered by PostgreSQL (`to_jsonb`) so jsonb key
 * order and timestamp formatting cannot differ between equal rows.
 */
export async function dumpProjectionTables(ds: DataSource, schema: string, projections: readonly ProjectionDefinition[] = READ_MODEL_PROJECTIONS): Promise<ProjectionTablesDump> {
  const tables: Record<string, string[]> = {};
  for (const p of projections) {
    const rows = await ds.query<{ j: string }[]>(
      `SELECT to_jsonb(t)::text AS j FROM ${qualifiedTable(schema, p.table)} t ORDER BY ${quoteIdent(p.columns[0]!.name)}`,
    );
    tables[p.table] = rows.map((r) => r.j);
  }
  const cps = await ds.query<{ name: string; last_seq: string }[]>(`SELECT name, last_seq FROM ${qualifiedTable(schema, CHECKPOINT_TABLE)} ORDER BY name`);
  return { tables, checkpoints: Object.fromEntries(cps.map((c) => [c.name, Number(c.last_seq)])) };
}
