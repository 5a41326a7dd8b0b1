import type { DataSource } from 'typeorm';
import type { SqlRunner } from '@immune/platform-keys';
import { quoteIdent } from '@immune/platform-postgres';

export type { SqlRunner };

/**
 * Plain SQL over the DataSource's pool, always answering the rows (TypeORM's `DataSource.query` answers
 * `[rows, count]` for UPDATE/DELETE, which would hide a `RETURNING`).
 */
export function sqlRunnerOf(ds: DataSource): SqlRunner {
  return {
    query: async <T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> => {
      const runner = ds.createQueryRunner();
      try {
        const result = await runner.query(sql, params as unknown[] | undefined, true);
        return (result.records ?? []) as T[];
      } finally {
        await runner.release();
      }
    },
  };
}

/** `"schema".table`, for the namespace's schema. */
export function tableIn(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** pg answers bigint as a string; our sequences fit in a double. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

export function toIso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
