import type { AgentStatus, AgentView, ApprovalState, ListPage, ReasonCode, Severity } from '@immune/contracts';
import { Coalescer } from '../common/coalescer';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';
import { Where } from '../common/where';

export interface AgentFilter {
  status?: AgentStatus;
  severity?: Severity;
  source?: string;
  reasonCode?: ReasonCode;
  /** The approval state of the active quarantine (only quarantined, not terminated agents match). */
  approval?: ApprovalState;
}

// Approval and heal mode live in the jsonb document only (no columns: the table's shape belongs to the migrations).
const APPROVAL = `(doc->'quarantine'->>'approval')`;
const HEAL_MODE = `(doc->'quarantine'->>'healMode')`;
const HEAL_REQUESTED_AT = `(doc->'quarantine'->>'healRequestedAt')`;
const UNDER_QUARANTINE = `quarantined = true AND status <> 'terminated'`;

type AgentCursor = { a: string };
const isAgentCursor = (v: unknown): v is AgentCursor =>
  typeof v === 'object' && v !== null && typeof (v as AgentCursor).a === 'string' && (v as AgentCursor).a.length <= 128;

/** Reads of the `agents` read model (framework-free). Lists are ordered by `agent_id` ascending. */
export class AgentQueries {
  private readonly table: string;
  private readonly byId: Coalescer<string, AgentView | null>;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
  ) {
    this.table = tableIn(schema, 'agents');
    this.byId = new Coalescer(async (ids) => {
      const found = await this.getMany(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  /** One agent; lookups made in the same event-loop turn (e.g. writes released by one progress notice) share a query. */
  get(agentId: string): Promise<AgentView | null> {
    return this.byId.run(agentId);
  }

  /** Several agents by id in one query; ids without a row are absent from the map. */
  async getMany(agentIds: readonly string[]): Promise<Map<string, AgentView>> {
    if (agentIds.length === 0) return new Map();
    const rows = await this.sql.query<{ agent_id: string; doc: AgentView }>(
      `SELECT agent_id, doc FROM ${this.table} WHERE agent_id = ANY($1::text[])`,
      [[...new Set(agentIds)]],
    );
    return new Map(rows.map((r) => [r.agent_id, r.doc]));
  }

  async list(filter: AgentFilter, limit: number, cursor?: string): Promise<ListPage<AgentView>> {
    const where = new Where()
      .add('status', filter.status)
      .add('severity', filter.severity)
      .add('source', filter.source)
      .add('reason_code', filter.reasonCode);
    if (filter.approval !== undefined) where.raw(`${UNDER_QUARANTINE} AND ${APPROVAL} = ?`, filter.approval);
    const counted = where.clone();
    if (cursor !== undefined) where.add('agent_id', decodeCursor(cursor, isAgentCursor).a, '>');
    const limitParam = where.next(limit + 1);
    const [rows, total] = await Promise.all([
      this.sql.query<{ agent_id: string; doc: AgentView }>(
        `SELECT agent_id, doc FROM ${this.table} ${where.sql} ORDER BY agent_id ASC LIMIT ${limitParam}`,
        where.params,
      ),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} ${counted.sql}`, counted.params),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.doc),
      total: toNumber(total[0]?.n),
      nextCursor: rows.length > limit && last ? encodeCursor({ a: last.agent_id }) : null,
    };
  }

  /** Ids of every agent under an active quarantine, in `agent_id` order. */
  async quarantinedIds(): Promise<string[]> {
    const rows = await this.sql.query<{ agent_id: string }>(
      `SELECT agent_id FROM ${this.table} WHERE quarantined = true AND status <> 'terminated' ORDER BY agent_id`,
    );
    return rows.map((r) => r.agent_id);
  }

  /** Ids of every quarantined agent whose quarantine has this approval state, in `agent_id` order. */
  async idsByApproval(approval: ApprovalState): Promise<string[]> {
    const rows = await this.sql.query<{ agent_id: string }>(
      `SELECT agent_id FROM ${this.table} WHERE ${UNDER_QUARANTINE} AND ${APPROVAL} = $1 ORDER BY agent_id`,
      [approval],
    );
    return rows.map((r) => r.agent_id);
  }

  /**
   * Ids of the quarantined agents heal-all acts on, in `agent_id` order: those waiting for an operator to say
   * heal-now — manual quarantines not yet asked to heal, and rejected ones. Pending approvals are left to
   * approve-all; automatic and approved quarantines heal already.
   */
  async healableIds(): Promise<string[]> {
    const rows = await this.sql.query<{ agent_id: string }>(
      `SELECT agent_id FROM ${this.table}
       WHERE ${UNDER_QUARANTINE} AND (${APPROVAL} = 'rejected' OR (${HEAL_MODE} = 'manual' AND ${HEAL_REQUESTED_AT} IS NULL))
       ORDER BY agent_id`,
    );
    return rows.map((r) => r.agent_id);
  }

  async countQuarantined(): Promise<number> {
    const rows = await this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} WHERE quarantined = true`);
    return toNumber(rows[0]?.n);
  }
}
