import { isHealingAction, type HealingLogEntryView, type HealingLogOutcome, type HealingPatternView, type ListPage } from '@immune/contracts';
import { tableIn, toIso, toNumber, type SqlRunner } from '../common/sql';
import { Where } from '../common/where';

export interface HealingLogFilter {
  agentId?: string;
  /** Only entries before this stream sequence (the previous page's `nextCursor`). */
  before?: number;
}

interface HealingLogRow {
  seq: string;
  agent_id: string;
  healing_id: string;
  quarantine_id: string;
  type: string;
  outcome: string;
  diagnosis: string;
  action: string | null;
  attempt: number | null;
  reason: string | null;
  detail: string | null;
  occurred_at: Date | string;
}

/** Reads of immune memory (framework-free): the healing log, newest first, and the fleet-wide patterns. */
export class HealingQueries {
  private readonly log: string;
  private readonly patterns: string;

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
  ) {
    this.log = tableIn(schema, 'healing_log');
    this.patterns = tableIn(schema, 'healing_patterns');
  }

  async list(filter: HealingLogFilter, limit: number): Promise<ListPage<HealingLogEntryView>> {
    const where = new Where().add('agent_id', filter.agentId);
    const counted = where.clone();
    where.add('seq', filter.before, '<');
    const limitParam = where.next(limit + 1);
    const [rows, total] = await Promise.all([
      this.sql.query<HealingLogRow>(
        `SELECT seq, agent_id, healing_id, quarantine_id, type, outcome, diagnosis, action, attempt, reason, detail, occurred_at
           FROM ${this.log} ${where.sql} ORDER BY seq DESC LIMIT ${limitParam}`,
        where.params,
      ),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.log} ${counted.sql}`, counted.params),
    ]);
    const page = rows.slice(0, limit).map(toEntry);
    const last = page[page.length - 1];
    return { items: page, total: toNumber(total[0]?.n), nextCursor: rows.length > limit && last ? String(last.seq) : null };
  }

  /** Every (diagnosis, action) with an outcome: by diagnosis, then best rate first, then action. */
  async patternList(): Promise<ListPage<HealingPatternView>> {
    const rows = await this.sql.query<{ diagnosis: string; action: string; successes: number; failures: number }>(
      `SELECT diagnosis, action, successes, failures FROM ${this.patterns}`,
    );
    const items = rows
      .filter((r) => isHealingAction(r.action))
      .map((r): HealingPatternView => {
        const successes = toNumber(r.successes);
        const failures = toNumber(r.failures);
        return { diagnosis: r.diagnosis, action: r.action as HealingPatternView['action'], successes, failures, rate: successes + failures > 0 ? successes / (successes + failures) : null };
      })
      .sort((a, b) => (a.diagnosis < b.diagnosis ? -1 : a.diagnosis > b.diagnosis ? 1 : (b.rate ?? -1) - (a.rate ?? -1) || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0)));
    return { items, total: items.length, nextCursor: null };
  }
}

function toEntry(r: HealingLogRow): HealingLogEntryView {
  return {
    seq: toNumber(r.seq),
    agentId: r.agent_id,
    healingId: r.healing_id,
    quarantineId: r.quarantine_id,
    type: r.type,
    outcome: r.outcome as HealingLogOutcome,
    diagnosis: r.diagnosis,
    action: isHealingAction(r.action) ? r.action : null,
    attempt: r.attempt === null ? null : toNumber(r.attempt),
    reason: r.reason,
    detail: r.detail,
    occurredAt: toIso(r.occurred_at) ?? String(r.occurred_at),
  };
}
