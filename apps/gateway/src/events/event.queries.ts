import type { EventView, ListPage } from '@immune/contracts';
import { tableIn, toIso, toNumber, type SqlRunner } from '../common/sql';
import { Where } from '../common/where';

export interface EventFilter {
  agentId?: string;
  aggregate?: string;
  type?: string;
  /** Only events after this stream sequence (the previous page's `nextCursor`). */
  after?: number;
}

interface EventRow {
  seq: string;
  subject: string;
  id: string;
  type: string;
  aggregate: string;
  aggregate_id: string;
  agent_id: string | null;
  occurred_at: Date | string;
  actor: string;
  correlation_id: string;
  causation_id: string;
  data: unknown;
  prev_hash: string | null;
  hash: string;
}

/** Reads of the `events` archive (framework-free): stream order, by `seq` ascending; the cursor is the last seq. */
export class EventQueries {
  private readonly table: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
  ) {
    this.table = tableIn(schema, 'events');
  }

  async list(filter: EventFilter, limit: number): Promise<ListPage<EventView>> {
    const where = new Where().add('agent_id', filter.agentId).add('aggregate', filter.aggregate).add('type', filter.type);
    const counted = where.clone();
    where.add('seq', filter.after, '>');
    const limitParam = where.next(limit + 1);
    const [rows, total] = await Promise.all([
      this.sql.query<EventRow>(
        `SELECT seq, subject, id, type, aggregate, aggregate_id, agent_id, occurred_at, actor, correlation_id,
                causation_id, data, prev_hash, hash
           FROM ${this.table} ${where.sql} ORDER BY seq ASC LIMIT ${limitParam}`,
        where.params,
      ),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} ${counted.sql}`, counted.params),
    ]);
    const page = rows.slice(0, limit).map(toEventView);
    const last = page[page.length - 1];
    return { items: page, total: toNumber(total[0]?.n), nextCursor: rows.length > limit && last ? String(last.seq) : null };
  }
}

function toEventView(r: EventRow): EventView {
  return {
    seq: toNumber(r.seq),
    subject: r.subject,
    id: r.id,
    type: r.type,
    aggregate: r.aggregate,
    aggregateId: r.aggregate_id,
    agentId: r.agent_id,
    occurredAt: toIso(r.occurred_at) ?? String(r.occurred_at),
    actor: r.actor,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    data: r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
