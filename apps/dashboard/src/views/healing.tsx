import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { has, type Session } from '../context';
import { useLoad, useNow, useSession, type Loaded } from '../hooks';
import { relative } from '../lib/format';
import { PatternsChart, TimeChart, type Bar } from './charts';
import { Panel, Unavailable } from './ui';

type Rows = Array<Record<string, unknown>>;
const rowsOf = (d: Rows | { items?: Rows } | null): Rows | null => (d ? (Array.isArray(d) ? d : d.items ?? []) : null);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** `GET /healing/patterns` (when the gateway has it), reloaded on live events. */
export function usePatterns(session: Session, tick: number): Loaded<Rows | { items?: Rows }> {
  return useLoad<Rows | { items?: Rows }>(session, '/healing/patterns', has(session, '/api/v1/healing/patterns'), [tick], 3000);
}

/** Successes and failures over every learned pattern, or null without patterns. */
export function healingTotals(d: Rows | { items?: Rows } | null): { successes: number; failures: number } | null {
  const rows = rowsOf(d);
  if (!rows) return null;
  return rows.reduce<{ successes: number; failures: number }>((t, r) => ({ successes: t.successes + num(r['successes']), failures: t.failures + num(r['failures']) }), { successes: 0, failures: 0 });
}

function barsOf(rows: Rows): Bar[] {
  return rows
    .map((r) => ({
      group: String(r['diagnosis'] ?? r['hypothesis'] ?? 'unknown'),
      label: String(r['action'] ?? '—'),
      successes: num(r['successes']),
      failures: num(r['failures']),
    }))
    .sort((a, b) => (a.group === b.group ? b.successes / Math.max(1, b.successes + b.failures) - a.successes / Math.max(1, a.successes + a.failures) : a.group < b.group ? -1 : 1));
}

const OUTCOME = (r: Record<string, unknown>) => String(r['type'] ?? r['outcome'] ?? r['status'] ?? '');
const TIME = (r: Record<string, unknown>) => String(r['at'] ?? r['occurredAt'] ?? r['startedAt'] ?? r['endedAt'] ?? '');

/** The healing timeline (outcomes over time) and the learned patterns: which action works for which diagnosis. */
export function HealingView() {
  const session = useSession();
  const now = useNow(5000);
  const patterns = usePatterns(session, session.liveTick);
  const log = useLoad<Rows | { items?: Rows }>(session, '/healing/log?limit=200', has(session, '/api/v1/healing/log'), [session.liveTick], 1500);
  const rows = rowsOf(log.data);
  const timeline = useMemo(() => {
    if (!rows || rows.length === 0) return null;
    const sorted = [...rows].map((r) => ({ t: Date.parse(TIME(r)) / 1000, o: OUTCOME(r) })).filter((r) => !Number.isNaN(r.t)).sort((a, b) => a.t - b.t);
    let ok = 0;
    let bad = 0;
    const t: number[] = [];
    const s: number[] = [];
    const f: number[] = [];
    for (const r of sorted) {
      if (/succe/i.test(r.o)) ok++;
      else if (/fail|exhaust/i.test(r.o)) bad++;
      t.push(r.t);
      s.push(ok);
      f.push(bad);
    }
    const data: uPlot.AlignedData = [t, s, f];
    const series: uPlot.Series[] = [
      { label: 'successful actions', stroke: '#3fb950', width: 2 },
      { label: 'failed actions', stroke: '#f85149', width: 2 },
    ];
    return { data, series };
  }, [rows]);
  const patternRows = rowsOf(patterns.data);
  return (
    <div class="stack">
      <Panel title="Learned patterns: which healing action works for which diagnosis" testid="patterns">
        {patterns.unavailable ? (
          <Unavailable what="Healing patterns" />
        ) : !patternRows ? (
          <p class="mute">Loading…</p>
        ) : patternRows.length === 0 ? (
          <p class="empty">Nothing learned yet: patterns appear after the first healings.</p>
        ) : (
          <PatternsChart bars={barsOf(patternRows)} />
        )}
      </Panel>
      <Panel title="Healing timeline" testid="healing-timeline">
        {log.unavailable ? (
          <Unavailable what="The healing log" />
        ) : !rows ? (
          <p class="mute">Loading…</p>
        ) : rows.length === 0 ? (
          <p class="empty">No healing yet.</p>
        ) : (
          <>
            {timeline && <TimeChart data={timeline.data} series={timeline.series} height={180} yLabel="cumulative" />}
            <ul class="timeline">
              {rows.slice(0, 100).map((r, i) => (
                <li key={i}>
                  <span class="mute">{relative(TIME(r), now)}</span>{' '}
                  <a href={`#/agent/${encodeURIComponent(String(r['agentId'] ?? ''))}`}>{String(r['agentId'] ?? '')}</a> <b>{OUTCOME(r)}</b> {String(r['action'] ?? '')}
                  {r['diagnosis'] ? <span class="mute"> for {String(r['diagnosis'])}</span> : null}
                </li>
              ))}
            </ul>
          </>
        )}
      </Panel>
    </div>
  );
}
