import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { NO_FILTER, matches, type AgentFilter } from '../lib/filters';
import { sigma } from '../lib/format';
import { SEVERITIES, STATUSES, type Agent } from '../lib/types';
import { columnsFor, visibleRows } from '../lib/virtual';
import { useSession } from '../hooks';
import { SeverityBadge } from './ui';

const CARD_W = 236;
const CARD_H = 104;
const GAP = 8;
const ROW_H = CARD_H + GAP;

/** Filters, search and the virtualised agent grid (only the visible rows are in the DOM, so 5,000 agents scroll). */
export function FleetView(props: { loaded: boolean; sources: string[] }) {
  const { store } = useSession();
  const [filter, setFilter] = useState<AgentFilter>(NO_FILTER);
  const all = store.all();
  const shown = useMemo(() => all.filter((a) => matches(a, filter)), [all, filter]);
  const set = (patch: Partial<AgentFilter>) => setFilter((f) => ({ ...f, ...patch }));
  return (
    <div class="fleet">
      <div class="filters">
        <input
          type="search"
          name="search"
          placeholder="Search id, model, type, MCP server, reason…"
          aria-label="Search agents"
          value={filter.search}
          onInput={(e) => set({ search: (e.target as HTMLInputElement).value })}
        />
        <select name="status" aria-label="Status" value={filter.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value as AgentFilter['status'] })}>
          <option value="">any status</option>
          <option value="quarantined">quarantined</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select name="severity" aria-label="Severity" value={filter.severity} onChange={(e) => set({ severity: (e.target as HTMLSelectElement).value as AgentFilter['severity'] })}>
          <option value="">any severity</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select name="source" aria-label="Source" value={filter.source} onChange={(e) => set({ source: (e.target as HTMLSelectElement).value })}>
          <option value="">any source</option>
          {props.sources.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span class="mute" data-testid="shown-count">
          {shown.length} of {all.length} agents
        </span>
      </div>
      {props.loaded && all.length === 0 ? (
        <p class="empty">No agent has reported yet. Agents appear here with their first vital.</p>
      ) : (
        <AgentGrid agents={shown} />
      )}
    </div>
  );
}

function AgentGrid(props: { agents: Agent[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 1200, h: 700 });
  const [scrollTop, setScrollTop] = useState(0);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setSize({ w: el.clientWidth - 16, h: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const cols = columnsFor(size.w, CARD_W, GAP);
  // Cards stretch to fill the row.
  const cardW = Math.max(CARD_W, Math.floor((size.w - GAP * (cols - 1)) / cols));
  const rows = Math.ceil(props.agents.length / cols);
  const { first, last } = visibleRows(scrollTop, size.h, ROW_H, rows, 2);
  const rendered = [];
  for (let r = first; r <= last; r++) {
    const cards = props.agents.slice(r * cols, r * cols + cols);
    rendered.push(
      <div class="grid-row" key={r} style={{ transform: `translateY(${r * ROW_H}px)` }}>
        {cards.map((a) => (
          <AgentCard key={a.agentId} agent={a} width={cardW} />
        ))}
      </div>,
    );
  }
  return (
    <div
      class="grid"
      ref={ref}
      data-testid="agent-grid"
      onScroll={(e) => {
        const top = (e.currentTarget as HTMLDivElement).scrollTop;
        cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(() => setScrollTop(top));
      }}
    >
      <div class="grid-spacer" style={{ height: `${rows * ROW_H}px` }}>
        {rendered}
      </div>
    </div>
  );
}

function AgentCard(props: { agent: Agent; width: number }) {
  const a = props.agent;
  const q = a.quarantine;
  const probation = a.status === 'restricted' && !!a.restrictions['probation'];
  return (
    <a
      class={`card status-${a.status}${probation ? ' probation' : ''}`}
      href={`#/agent/${encodeURIComponent(a.agentId)}`}
      data-agent={a.agentId}
      data-status={a.status}
      style={{ width: `${props.width}px`, height: `${CARD_H}px` }}
    >
      <div class="card-top">
        <b class="card-id" title={a.agentId}>
          {a.agentId}
        </b>
        <span class="card-status">{probation ? 'probation' : a.status}</span>
      </div>
      <div class="card-line mute" title={`${a.model ?? ''} ${a.agentType ?? ''}`}>
        {a.model ?? 'unknown model'}
        {a.agentType ? ` · ${a.agentType}` : ''}
      </div>
      <div class="card-line mute" title={a.mcpServers.join(', ')}>
        {a.mcpServers.length ? `MCP: ${a.mcpServers.join(', ')}` : 'no MCP servers'}
      </div>
      {q ? (
        <div class="card-line">
          <SeverityBadge severity={q.severity} /> {q.deviation !== null ? sigma(q.deviation) : ''} {q.diagnoses[0]?.hypothesis ?? q.reasonCode}
          {q.approval === 'pending' && <span class="badge pending">approval</span>}
        </div>
      ) : (
        <div class="card-line mute">healthy</div>
      )}
    </a>
  );
}
