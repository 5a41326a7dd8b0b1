import type { ListPage, QuarantineRecordView, ReasonCode, Severity } from '@immune/contracts';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';
import { Where } from '../common/where';

export interface QuarantineFilter {
  active?: boolean;
  agentId?: string;
  severity?: Severity;
  source?: string;
  reasonCode?: ReasonCode;
}

type QuarantineCursor = { s: number; q: string };
const isQuarantineCursor = (v: unknown): v is QuarantineCursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isSafeInteger((v as QuarantineCursor).s) &&
  typeof (v as QuarantineCursor).q === 'string' &&
  (v as QuarantineCursor).q.length <= 128;

/** Reads of the `quarantines` read model (framework-free): newest first, by `opened_seq` descending. */
export class QuarantineQueries {
  private readonly table: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
  ) {
    this.table = tableIn(schema, 'quarantines');
  }

  async list(filter: QuarantineFilter, limit: number, cursor?: string): Promise<ListPage<QuarantineRecordView>> {
    const where = new Where()
      .add('active', filter.active)
      .add('agent_id', filter.agentId)
      .add('severity', filter.severity)
      .add('source', filter.source)
      .add('reason_code', filter.reasonCode);
    const counted = where.clone();
    if (cursor !== undefined) {
      const c = decodeCursor(cursor, isQuarantineCursor);
      where.raw('(opened_seq, quarantine_id) < (?, ?)', c.s, c.q);
    }
    const limitParam = where.next(limit + 1);
    const [rows, total] = await Promise.all([
      this.sql.query<{ quarantine_id: string; opened_seq: string; doc: QuarantineRecordView }>(
        `SELECT quarantine_id, opened_seq, doc FROM ${this.table} ${where.sql}
         ORDER BY opened_seq DESC, quarantine_id DESC LIMIT ${limitParam}`,
        where.params,
      ),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} ${counted.sql}`, counted.params),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.doc),
      total: toNumber(total[0]?.n),
      nextCursor: rows.length > limit && last ? encodeCursor({ s: toNumber(last.opened_seq), q: last.quarantine_id }) : null,
    };
  }
}
