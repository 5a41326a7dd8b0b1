import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../hooks';
import { relative, shortHash } from '../lib/format';
import type { LogEvent, Page, VerifyResult } from '../lib/types';
import { Action, Panel } from './ui';

/** The event log (the latest 200, then live) and `verify`: the hash chains and checkpoints, read from the stream. */
export function AuditView() {
  const { api, stats, recent } = useSession();
  const [loaded, setLoaded] = useState<LogEvent[] | null>(null);
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [filter, setFilter] = useState('');
  const lastSeq = stats?.eventsSeq ?? null;
  useEffect(() => {
    if (loaded || lastSeq === null) return;
    api.get<Page<LogEvent>>(`/events?after=${Math.max(0, lastSeq - 200)}&limit=200`).then(
      (p) => setLoaded(p.items),
      () => setLoaded([]),
    );
  }, [lastSeq, loaded, api]);
  const merged = new Map<number, LogEvent>();
  for (const e of loaded ?? []) merged.set(e.seq, e);
  for (const e of recent) if (!merged.has(e.seq)) merged.set(e.seq, e);
  const q = filter.trim().toLowerCase();
  const rows = [...merged.values()]
    .filter((e) => !q || e.type.toLowerCase().includes(q) || (e.agentId ?? '').toLowerCase().includes(q) || e.actor.toLowerCase().includes(q))
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 300);
  return (
    <div class="stack">
      <Panel
        title="Verify the event log"
        testid="verify"
        actions={<Action name="verify" label="Verify now" kind="primary" run={async () => setVerify(await api.get<VerifyResult>('/events/verify'))} />}
      >
        {!verify ? (
          <p class="mute">Walks every hash chain and checkpoint of the stream itself.</p>
        ) : verify.valid ? (
          <p class="ok" data-testid="verify-result">
            ✔ valid: {verify.checked} events{verify.checkpoints !== undefined ? ` and ${verify.checkpoints} checkpoints` : ''} verified.
          </p>
        ) : (
          <p class="error" data-testid="verify-result">
            ✘ broken at sequence {verify.brokenAt?.seq ?? '?'} ({verify.brokenAt?.subject ?? '?'}): {verify.brokenAt?.reason}
          </p>
        )}
      </Panel>
      <Panel
        title="Event log"
        testid="event-log"
        actions={<input type="search" aria-label="Filter events" placeholder="type, agent or actor" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />}
      >
        <table class="events">
          <thead>
            <tr>
              <th>#</th>
              <th>when</th>
              <th>type</th>
              <th>aggregate</th>
              <th>actor</th>
              <th>prev → hash</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.seq} data-event-type={e.type}>
                <td>{e.seq}</td>
                <td title={e.occurredAt}>{relative(e.occurredAt, Date.now())}</td>
                <td>{e.type}</td>
                <td>{e.agentId ? <a href={`#/agent/${encodeURIComponent(e.agentId)}`}>{e.agentId}</a> : `${e.aggregate}/${e.aggregateId}`}</td>
                <td>{e.actor}</td>
                <td class="hash" title={`${e.prevHash ?? 'null'} → ${e.hash}`}>
                  {shortHash(e.prevHash)} → {shortHash(e.hash)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p class="empty">No events yet.</p>}
      </Panel>
    </div>
  );
}
