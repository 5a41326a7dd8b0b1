import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, ApiError, getAll } from './lib/api';
import { FleetStore } from './lib/fleet-store';
import { fleetCounts } from './lib/filters';
import { pct } from './lib/format';
import { connectLive, type LiveState } from './lib/live';
import type { Agent, FleetStats, LogEvent, Report, Role } from './lib/types';
import { SessionContext, type Session } from './context';
import { useDebounced, useSession } from './hooks';
import { FleetView } from './views/fleet';
import { AgentDetail } from './views/agent-detail';
import { ApprovalsView } from './views/approvals';
import { HealingView, healingTotals, usePatterns } from './views/healing';
import { EscalationsView, usePosture } from './views/escalations';
import { AuditView } from './views/audit';
import { Toasts, useToasts } from './views/ui';

const API_BASE = document.querySelector<HTMLMetaElement>('meta[name="immune-api"]')?.content || '/api/v1';
const KEY_ITEM = 'immune.apiKey';
const TABS = [
  ['fleet', 'Fleet'],
  ['approvals', 'Approvals'],
  ['healing', 'Healing'],
  ['escalations', 'Escalations'],
  ['audit', 'Audit'],
] as const;
type Tab = (typeof TABS)[number][0];

/** `#/fleet`, `#/agent/<id>`, `#/approvals`…: the agent detail opens over the fleet. */
function parseHash(hash: string): { tab: Tab; agentId: string | null } {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'agent' && parts[1]) return { tab: 'fleet', agentId: decodeURIComponent(parts[1]) };
  const tab = TABS.find(([t]) => t === parts[0])?.[0] ?? 'fleet';
  return { tab, agentId: null };
}

export function App() {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_ITEM));
  const [who, setWho] = useState<{ name: string; role: Role } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const api = useMemo(() => (key ? new Api(API_BASE, key) : null), [key]);

  useEffect(() => {
    if (!api) return;
    let gone = false;
    api
      .get<{ name: string; role: Role }>('/me')
      .then((me) => {
        if (gone) return;
        if (me.role === 'ingest') {
          sessionStorage.removeItem(KEY_ITEM);
          setKey(null);
          setError('An ingest key can only send vitals: sign in with a viewer, operator or admin key.');
        } else setWho(me);
      })
      .catch((e: unknown) => {
        if (gone) return;
        sessionStorage.removeItem(KEY_ITEM);
        setKey(null);
        setError(e instanceof ApiError && e.status === 401 ? 'That key is not valid.' : `Sign-in failed: ${String((e as Error).message)}`);
      });
    return () => {
      gone = true;
    };
  }, [api]);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_ITEM);
    setWho(null);
    setKey(null);
  }, []);

  if (!api || !who) {
    return (
      <SignIn
        busy={!!api && !who}
        error={error}
        onSubmit={(k) => {
          setError(null);
          sessionStorage.setItem(KEY_ITEM, k);
          setKey(k);
        }}
      />
    );
  }
  return <Console api={api} name={who.name} role={who.role} onSignOut={signOut} />;
}

function SignIn(props: { busy: boolean; error: string | null; onSubmit(key: string): void }) {
  const [value, setValue] = useState('');
  return (
    <div class="signin">
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onSubmit(value.trim());
        }}
      >
        <h1>Immune</h1>
        <p class="mute">Operator dashboard. Sign in with an API key; it is kept for this browser tab only.</p>
        <input
          type="password"
          name="apiKey"
          aria-label="API key"
          placeholder="imk_operator_…"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? 'Signing in…' : 'Sign in'}
        </button>
        {props.error && <p class="error" role="alert">{props.error}</p>}
      </form>
    </div>
  );
}

function Console(props: { api: Api; name: string; role: Role; onSignOut(): void }) {
  const { api } = props;
  const store = useMemo(() => new FleetStore(), []);
  const [, setVersion] = useState(0);
  const [stats, setStats] = useState<FleetStats | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const [routes, setRoutes] = useState<Set<string> | null>(null);
  const [recent, setRecent] = useState<LogEvent[]>([]);
  const [liveTick, setLiveTick] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [route, setRoute] = useState(() => parseHash(location.hash));
  const { toasts, notify } = useToasts();
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pendingEvents = useRef<LogEvent[]>([]);

  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);

  // Which optional routes this gateway has (healing, posture, vitals history…): asked once, so no 404s later.
  useEffect(() => {
    fetch('/api/docs/openapi.json')
      .then((r) => (r.ok ? r.json() : { paths: {} }))
      .then((doc: { paths?: Record<string, unknown> }) => setRoutes(new Set(Object.keys(doc.paths ?? {}))))
      .catch(() => setRoutes(new Set()));
  }, []);

  const reloadAll = useCallback(async () => {
    try {
      store.replaceAll(await getAll<Agent>(api, '/agents'));
      setLoaded(true);
    } catch (e) {
      notify(`Loading agents failed: ${(e as Error).message}`, 'error');
    }
  }, [api, store, notify]);

  // Agents marked by live events: reload them one by one, or everything when many changed at once.
  const flushDirty = useCallback(async () => {
    const ids = store.takeDirty();
    if (ids.length === 0) return;
    if (ids.length > 40) return reloadAll();
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map((id) =>
          api.get<Agent>(`/agents/${encodeURIComponent(id)}`).then(
            (a) => store.upsert(a),
            () => undefined,
          ),
        ),
      );
    }
  }, [api, store, reloadAll]);

  useEffect(() => {
    const close = connectLive(api, {
      onHello: (hello) => {
        if (hello.stats) setStats(hello.stats);
        void reloadAll();
      },
      onEvent: (e) => {
        store.applyEvent(e);
        // Events come in bursts (5,000 registrations): the views hear about them at most every 150 ms.
        pendingEvents.current.push(e);
        if (!reloadTimer.current) {
          reloadTimer.current = setTimeout(() => {
            reloadTimer.current = null;
            const batch = pendingEvents.current;
            pendingEvents.current = [];
            setRecent((r) => [...r, ...batch].slice(-500));
            setLiveTick((t) => t + 1);
            void flushDirty();
          }, 150);
        }
      },
      onStats: setStats,
      onState: setLive,
    });
    return close;
  }, [api, store, reloadAll, flushDirty]);

  const counts = useMemo(() => fleetCounts(store.all()), [store, store.version]);
  if (!routes) return <div class="loading">Connecting…</div>;
  const session: Session = { api, name: props.name, role: props.role, store, stats, routes, recent, liveTick, notify };

  return (
    <SessionContext.Provider value={session}>
      <div class="shell">
        <header>
          <h1>Immune</h1>
          <nav>
            {TABS.map(([t, label]) => (
              <a key={t} href={`#/${t}`} class={route.tab === t ? 'active' : ''} data-tab={t}>
                {label}
                {t === 'approvals' && counts.pending > 0 && <span class="count">{counts.pending}</span>}
              </a>
            ))}
          </nav>
          <span class={`live ${live}`} data-testid="live-state" title="Live updates from the gateway">
            {live === 'live' ? '● live' : live}
          </span>
          <span class="who" data-testid="who">
            {props.name} · <b>{props.role}</b>
          </span>
          <button onClick={props.onSignOut}>Sign out</button>
        </header>
        <StatsBar counts={counts} stats={stats} tick={liveTick} />
        <main>
          {route.tab === 'fleet' && <FleetView loaded={loaded} sources={counts.sources} />}
          {route.tab === 'approvals' && <ApprovalsView />}
          {route.tab === 'healing' && <HealingView />}
          {route.tab === 'escalations' && <EscalationsView />}
          {route.tab === 'audit' && <AuditView />}
        </main>
        {route.agentId && <AgentDetail agentId={route.agentId} onClose={() => (location.hash = '#/fleet')} />}
        <Toasts toasts={toasts} />
      </div>
    </SessionContext.Provider>
  );
}

function StatsBar(props: { counts: ReturnType<typeof fleetCounts>; stats: FleetStats | null; tick: number }) {
  const session = useSession();
  const patterns = usePatterns(session, props.tick);
  const posture = usePosture(session, props.tick);
  const [report, setReport] = useState<Report | null>(null);
  useDebounced(
    () => {
      session.api.get<Report>('/report').then(setReport, () => undefined);
    },
    [props.tick],
    2000,
  );
  const totals = healingTotals(patterns.data);
  const healed = totals ? totals.successes : report ? report.released : null;
  const current = posture.data?.current ?? report?.posture ?? '—';
  const items: [string, string, string][] = [
    ['agents', 'Agents', String(props.counts.total)],
    ['vitals', 'Vitals/s', props.stats ? String(props.stats.vitalsPerSecond) : '—'],
    ['infections', 'Infections', String(props.counts.infected)],
    ['healed', totals ? 'Healed' : 'Released', healed === null ? '—' : String(healed)],
    ['success', 'Healing success', totals && totals.successes + totals.failures > 0 ? pct(totals.successes / (totals.successes + totals.failures)) : '—'],
    ['posture', 'Posture', current],
  ];
  return (
    <div class="stats" data-testid="stats">
      {items.map(([id, label, value]) => (
        <div class={`stat stat-${id} ${id === 'posture' ? `posture-${current}` : ''}`} key={id} data-stat={id}>
          <b>{value}</b>
          <span>{label}</span>
        </div>
      ))}
    </div>
  );
}
