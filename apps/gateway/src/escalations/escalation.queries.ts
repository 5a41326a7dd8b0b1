import { PROFILES, type EscalationView, type ListPage, type PostureView, type Profile } from '@immune/contracts';
import type { PostureRowDoc } from '@immune/read-models';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { tableIn, toNumber, type SqlRunner } from '../common/sql';
import { Where } from '../common/where';

export interface EscalationFilter {
  active?: boolean;
  profile?: Profile;
}

type EscalationCursor = { s: number; e: string };
const isCursor = (v: unknown): v is EscalationCursor =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as EscalationCursor).s) && typeof (v as EscalationCursor).e === 'string' && (v as EscalationCursor).e.length <= 128;

/** Reads of the `escalations` and `posture` read models (framework-free): escalations newest first. */
export class EscalationQueries {
  private readonly table: string;
  private readonly postureTable: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
  ) {
    this.table = tableIn(schema, 'escalations');
    this.postureTable = tableIn(schema, 'posture');
  }

  async list(filter: EscalationFilter, limit: number, cursor?: string): Promise<ListPage<EscalationView>> {
    const where = new Where().add('to_profile', filter.profile);
    if (filter.active === true) where.raw(`status = 'active'`);
    if (filter.active === false) where.raw(`status <> 'active'`);
    const counted = where.clone();
    if (cursor !== undefined) {
      const c = decodeCursor(cursor, isCursor);
      where.raw('(opened_seq, escalation_id) < (?, ?)', c.s, c.e);
    }
    const limitParam = where.next(limit + 1);
    const [rows, total] = await Promise.all([
      this.sql.query<{ escalation_id: string; opened_seq: string; doc: EscalationView }>(
        `SELECT escalation_id, opened_seq, doc FROM ${this.table} ${where.sql} ORDER BY opened_seq DESC, escalation_id DESC LIMIT ${limitParam}`,
        where.params,
      ),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} ${counted.sql}`, counted.params),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.doc),
      total: toNumber(total[0]?.n),
      nextCursor: rows.length > limit && last ? encodeCursor({ s: toNumber(last.opened_seq), e: last.escalation_id }) : null,
    };
  }

  async get(escalationId: string): Promise<EscalationView | null> {
    const rows = await this.sql.query<{ doc: EscalationView }>(`SELECT doc FROM ${this.table} WHERE escalation_id = $1`, [escalationId]);
    return rows[0]?.doc ?? null;
  }

  /** `GET /posture`: what is in force, its active escalations (bottom of the stack first) and the pending ones. */
  async posture(): Promise<PostureView> {
    const [rows, open] = await Promise.all([
      this.sql.query<{ doc: PostureRowDoc; version: string }>(`SELECT doc, version FROM ${this.postureTable} WHERE id = 1`),
      this.sql.query<{ doc: EscalationView }>(`SELECT doc FROM ${this.table} WHERE status IN ('active', 'pending') ORDER BY opened_seq ASC`),
    ]);
    const doc = rows[0]?.doc;
    const docs = open.map((r) => r.doc);
    const byId = new Map(docs.map((d) => [d.escalationId, d]));
    const active = (doc?.active ?? []).map((a) => byId.get(a.escalationId)).filter((v): v is EscalationView => v !== undefined);
    return {
      current: doc && (PROFILES as readonly string[]).includes(doc.current) ? doc.current : 'operator',
      baseline: doc?.baseline ?? 'operator',
      activeEscalations: active,
      pendingEscalations: docs.filter((d) => d.status === 'pending'),
      version: toNumber(rows[0]?.version ?? 0),
      changedAt: doc?.changedAt ?? null,
    };
  }

  /** The profile in force, for `/ready` and `/report`. */
  async current(): Promise<Profile> {
    const rows = await this.sql.query<{ current: string }>(`SELECT current FROM ${this.postureTable} WHERE id = 1`);
    const c = rows[0]?.current;
    return c !== undefined && (PROFILES as readonly string[]).includes(c) ? (c as Profile) : 'operator';
  }
}
