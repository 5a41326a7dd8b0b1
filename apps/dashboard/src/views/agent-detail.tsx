import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { can, has } from '../context';
import { useLoad, useNow, useSession } from '../hooks';
import { relative, shortHash, sigma } from '../lib/format';
import { SEVERITIES, type Agent, type LogEvent, type Page } from '../lib/types';
import { CHART_METRICS, seriesFor, type ChartMetric, type VitalsHistory } from '../lib/vitals-series';
import { TimeChart } from './charts';
import { Action, Panel, SeverityBadge, StatusBadge, Unavailable } from './ui';

const DEFAULT_TEXT = 'Operator action from the dashboard';

/** The drawer for one agent: what happened to it, why, and what an operator may do about it. */
export function AgentDetail(props: { agentId: string; onClose(): void }) {
  const session = useSession();
  const id = encodeURIComponent(props.agentId);
  // Reload on this agent's live events only.
  const mine = session.recent.filter((e) => e.agentId === props.agentId).length;
  const agent = useLoad<Agent>(session, `/agents/${id}`, true, [mine], 300);
  const events = useLoad<Page<LogEvent>>(session, `/events?agentId=${id}&limit=500`, true, [mine], 500);
  const quarantines = useLoad<Page<{ forensic: Record<string, unknown> | null; active: boolean }>>(session, `/quarantines?agentId=${id}&limit=5`, true, [mine], 800);
  const healing = useLoad<Page<Record<string, unknown>> | Array<Record<string, unknown>>>(
    session,
    `/healing/log?agentId=${id}&limit=100`,
    has(session, '/api/v1/healing/log'),
    [mine],
    800,
  );
  const vitals = useLoad<VitalsHistory>(session, `/agents/${id}/vitals`, has(session, '/api/v1/agents/{agentId}/vitals'), [mine], 3000);
  const a = agent.data;

  return (
    <aside class="drawer" data-testid="agent-detail" aria-label={`Agent ${props.agentId}`}>
      <div class="drawer-head">
        <h2>{props.agentId}</h2>
        {a && <StatusBadge status={a.status} probation={a.status === 'restricted' && !!a.restrictions['probation']} />}
        <button class="close" onClick={props.onClose} aria-label="Close">
          ×
        </button>
      </div>
      {agent.error && <p class="error">{agent.error}</p>}
      {!a ? (
        <p class="mute">Loading…</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Model</dt>
            <dd>{a.model ?? '—'}</dd>
            <dt>Type</dt>
            <dd>{a.agentType ?? '—'}</dd>
            <dt>MCP servers</dt>
            <dd>{a.mcpServers.join(', ') || '—'}</dd>
            <dt>Last vital</dt>
            <dd>{relative(a.lastVitalAt, Date.now())}</dd>
            <dt>Version</dt>
            <dd>{a.version}</dd>
            <dt>Restrictions</dt>
            <dd>{Object.entries(a.restrictions).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none'}</dd>
          </dl>
          <AgentActions agent={a} reload={agent.reload} />
          <QuarantinePanel agent={a} forensic={quarantines.data?.items.find((q) => q.active)?.forensic ?? quarantines.data?.items[0]?.forensic ?? null} />
          <Panel title="Vitals against the baseline band">
            {vitals.unavailable ? <Unavailable what="Vitals history" /> : vitals.data ? <VitalsChart history={vitals.data} /> : <p class="mute">Loading…</p>}
          </Panel>
          <HealingHistory log={healing} events={events.data?.items ?? []} />
          <Panel title="Event history">
            <table class="events" data-testid="agent-events">
              <thead>
                <tr>
                  <th>#</th>
                  <th>when</th>
                  <th>type</th>
                  <th>actor</th>
                  <th>prev → hash</th>
                </tr>
              </thead>
              <tbody>
                {[...(events.data?.items ?? [])].reverse().map((e) => (
                  <tr key={e.seq} data-event-type={e.type}>
                    <td>{e.seq}</td>
                    <td title={e.occurredAt}>{relative(e.occurredAt, Date.now())}</td>
                    <td>{e.type}</td>
                    <td>{e.actor}</td>
                    <td class="hash" title={`${e.prevHash ?? 'null'} → ${e.hash}`}>
                      {shortHash(e.prevHash)} → {shortHash(e.hash)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        </>
      )}
    </aside>
  );
}

function AgentActions(props: { agent: Agent; reload(): void }) {
  const { api, role } = useSession();
  const [text, setText] = useState('');
  const [severity, setSeverity] = useState('medium');
  const [level, setLevel] = useState('restricted');
  const a = props.agent;
  const id = encodeURIComponent(a.agentId);
  const q = a.quarantine;
  const quarantined = a.status === 'restricted' || a.status === 'suspended';
  const body = (field: string) => ({ [field]: text.trim() || DEFAULT_TEXT });
  const act = (path: string, payload: unknown) => async () => {
    await api.post(`/agents/${id}${path}`, payload);
    setText('');
    props.reload();
  };
  if (!can(role, 'operator') || a.status === 'terminated') return null;
  return (
    <div class="actions" data-testid="agent-actions">
      <input
        name="reason"
        placeholder="Reason, resolution or note"
        aria-label="Reason, resolution or note"
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
      />
      <div class="buttons">
        {!quarantined && (
          <>
            <select name="severity" aria-label="Severity" value={severity} onChange={(e) => setSeverity((e.target as HTMLSelectElement).value)}>
              {SEVERITIES.map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
            <select name="level" aria-label="Level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
              <option>restricted</option>
              <option>suspended</option>
            </select>
            <Action name="quarantine" label="Quarantine" kind="danger" done="Quarantined" run={act('/quarantine', { ...body('reason'), severity, level })} />
          </>
        )}
        {quarantined && q?.approval === 'pending' && (
          <>
            <Action name="approve" label="Approve healing" kind="primary" done="Healing approved" run={async () => (await api.post(`/approvals/${id}/approve`, {}), props.reload())} />
            <Action name="reject" label="Reject" done="Healing rejected" run={async () => (await api.post(`/approvals/${id}/reject`, text.trim() ? { reason: text.trim() } : {}), props.reload())} />
          </>
        )}
        {quarantined && q?.approval !== 'pending' && <Action name="heal" label="Heal now" kind="primary" done="Healing requested" run={act('/heal', {})} />}
        {quarantined && <Action name="release" label="Release" done="Released" run={act('/release', body('resolution'))} />}
        {quarantined && <Action name="escalate" label="Escalate" kind="danger" done="Escalated" run={act('/escalate', body('reason'))} />}
        {quarantined && (
          <Action
            name="note"
            label="Add note"
            done="Note added"
            disabled={!text.trim()}
            run={act('/notes', { note: text.trim() })}
          />
        )}
        {can(role, 'admin') && <Action name="terminate" label="Terminate" kind="danger" done="Terminated" run={act('/terminate', body('resolution'))} />}
      </div>
    </div>
  );
}

function QuarantinePanel(props: { agent: Agent; forensic: Record<string, unknown> | null }) {
  const q = props.agent.quarantine;
  if (!q) return null;
  return (
    <Panel title="Quarantine" testid="quarantine">
      <dl class="facts">
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={q.severity} /> {q.level}
        </dd>
        <dt>Reason</dt>
        <dd>
          {q.reasonCode}: {q.reason}
        </dd>
        <dt>Deviation</dt>
        <dd data-testid="deviation">{sigma(q.deviation)}</dd>
        <dt>Source</dt>
        <dd>{q.source}</dd>
        <dt>Since</dt>
        <dd title={q.quarantinedAt}>{relative(q.quarantinedAt, Date.now())}</dd>
        <dt>Expires</dt>
        <dd>{q.expiresAt ? relative(q.expiresAt, Date.now()) : 'never'}</dd>
        <dt>Approval</dt>
        <dd data-testid="approval">{q.approval}</dd>
        <dt>Healing</dt>
        <dd data-testid="healing-state">{q.healing}</dd>
      </dl>
      {q.diagnoses.length > 0 && (
        <ol class="diagnoses">
          {[...q.diagnoses]
            .sort((x, y) => y.confidence - x.confidence)
            .map((d) => (
              <li key={d.hypothesis}>
                <span class="conf" style={{ width: `${Math.round(d.confidence * 100)}%` }} />
                <b>{d.hypothesis}</b> {Math.round(d.confidence * 100)}%{d.evidence?.length ? <span class="mute"> — {d.evidence.join(', ')}</span> : null}
              </li>
            ))}
        </ol>
      )}
      <details>
        <summary>Forensic snapshot</summary>
        <pre>{props.forensic ? JSON.stringify(props.forensic, null, 2) : 'none recorded'}</pre>
      </details>
      <h3>Notes</h3>
      {q.notes.length === 0 ? (
        <p class="mute">No notes.</p>
      ) : (
        <ul class="notes" data-testid="notes">
          {q.notes.map((n) => (
            <li key={n.noteId}>
              <span class="mute">
                {n.author}, {relative(n.at, Date.now())}:
              </span>{' '}
              {n.note}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function VitalsChart(props: { history: VitalsHistory }) {
  const [metric, setMetric] = useState<ChartMetric>('latencyMs');
  const { t, v, band } = useMemo(() => seriesFor(props.history, metric), [props.history, metric]);
  const chart = useMemo(() => {
    const data: uPlot.AlignedData = band ? [t, v, t.map(() => band.high), t.map(() => band.low)] : [t, v];
    const series: uPlot.Series[] = [
      { label: CHART_METRICS.find(([m]) => m === metric)?.[1] ?? metric, stroke: '#58a6ff', width: 2, points: { show: true, size: 4 } },
      ...(band
        ? [
            { label: 'baseline high', stroke: '#3fb95088', dash: [4, 4], points: { show: false } },
            { label: 'baseline low', stroke: '#3fb95088', dash: [4, 4], points: { show: false } },
          ]
        : []),
    ];
    const bands: uPlot.Band[] = band ? [{ series: [2, 3], fill: '#3fb9501f' }] : [];
    return { data, series, bands };
  }, [t, v, band, metric]);
  return (
    <div>
      <select aria-label="Metric" value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as ChartMetric)}>
        {CHART_METRICS.map(([m, label]) => (
          <option key={m} value={m}>
            {label}
          </option>
        ))}
      </select>
      {!props.history.baseline && <span class="mute"> no baseline yet</span>}
      {t.length === 0 ? <p class="mute">No vitals in the last hour.</p> : <TimeChart data={chart.data} series={chart.series} bands={chart.bands} testid="vitals-chart" />}
    </div>
  );
}

const HEALING_TYPES = /^(Healing|ApprovalRequested|AgentReleased|AgentTerminated|QuarantineEscalated)/;

function HealingHistory(props: { log: ReturnType<typeof useLoad<Page<Record<string, unknown>> | Array<Record<string, unknown>>>>; events: LogEvent[] }) {
  const now = useNow(5000);
  const rows = props.log.data ? (Array.isArray(props.log.data) ? props.log.data : props.log.data.items) : null;
  return (
    <Panel title="Healing history" testid="healing-history">
      {rows ? (
        rows.length === 0 ? (
          <p class="mute">No healing yet.</p>
        ) : (
          <ul class="timeline">
            {rows.map((r, i) => (
              <li key={i}>
                <span class="mute">{relative(String(r['at'] ?? r['occurredAt'] ?? r['startedAt'] ?? ''), now)}</span> <b>{String(r['type'] ?? r['outcome'] ?? r['status'] ?? '')}</b>{' '}
                {String(r['action'] ?? '')} {r['diagnosis'] ? <span class="mute">for {String(r['diagnosis'])}</span> : null}
                {r['reason'] ? <span class="mute"> — {String(r['reason'])}</span> : null}
              </li>
            ))}
          </ul>
        )
      ) : (
        // No healing log route: the agent's own healing events tell the same story.
        <ul class="timeline">
          {props.events.filter((e) => HEALING_TYPES.test(e.type)).length === 0 && <li class="mute">No healing yet.</li>}
          {props.events
            .filter((e) => HEALING_TYPES.test(e.type))
            .reverse()
            .map((e) => {
              const d = (e.data ?? {}) as Record<string, unknown>;
              return (
                <li key={e.seq}>
                  <span class="mute">{relative(e.occurredAt, now)}</span> <b>{e.type}</b> {String(d['action'] ?? '')}{' '}
                  {d['reason'] ? <span class="mute">— {String(d['reason'])}</span> : null}
                </li>
              );
            })}
        </ul>
      )}
    </Panel>
  );
}
