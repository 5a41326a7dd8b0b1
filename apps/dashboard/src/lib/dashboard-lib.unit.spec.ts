import { compareAgents, fleetCounts, matches, NO_FILTER } from './filters';
import { FleetStore } from './fleet-store';
import { countdown, relative } from './format';
import { SseParser } from './sse-parser';
import type { Agent, LogEvent } from './types';
import { columnsFor, visibleRows } from './virtual';
import { seriesFor, toSeconds } from './vitals-series';

const agent = (agentId: string, patch: Partial<Agent> = {}): Agent => ({
  agentId,
  status: 'active',
  restrictions: {},
  quarantine: null,
  baseline: null,
  lastVitalAt: null,
  model: 'gpt-5',
  agentType: 'planner',
  mcpServers: ['github'],
  version: 1,
  ...patch,
});
const quarantined = (agentId: string, severity: 'low' | 'medium' | 'high' | 'critical', deviation: number, source = 'sentinel'): Agent =>
  agent(agentId, {
    status: 'suspended',
    quarantine: {
      quarantineId: 'q',
      level: 'suspended',
      reasonCode: 'anomaly',
      reason: 'prompt_change at 10σ',
      severity,
      source,
      quarantinedAt: '2026-11-23T00:00:00Z',
      expiresAt: null,
      approval: 'pending',
      healing: 'idle',
      diagnoses: [],
      deviation,
      notes: [],
    },
  });

describe('SseParser', () => {
  it('parses events split across chunks, with ids, comments and CRLF', () => {
    const p = new SseParser();
    expect(p.push('retry: 3000\n\n: keepalive\n\nevent: hel')).toEqual([]);
    expect(p.push('lo\r\ndata: {"a":1}\r\n\r\nevent: event\nid: 7\ndata: x\ndata: y\n')).toEqual([{ event: 'hello', data: '{"a":1}', id: null }]);
    expect(p.push('\n')).toEqual([{ event: 'event', data: 'x\ny', id: '7' }]);
  });
  it('waits for the LF of a CRLF split across chunks', () => {
    const p = new SseParser();
    expect(p.push('data: 1\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: '1', id: null }]);
  });
});

describe('grid filters', () => {
  it('filters by status (quarantined = restricted or suspended), severity, source and search', () => {
    const a = quarantined('a-1', 'critical', 10);
    const b = agent('b-2', { mcpServers: ['jira'], model: 'claude' });
    expect(matches(a, { ...NO_FILTER, status: 'quarantined' })).toBe(true);
    expect(matches(b, { ...NO_FILTER, status: 'quarantined' })).toBe(false);
    expect(matches(a, { ...NO_FILTER, severity: 'high' })).toBe(false);
    expect(matches(a, { ...NO_FILTER, source: 'sentinel' })).toBe(true);
    expect(matches(b, { ...NO_FILTER, search: 'JIRA' })).toBe(true);
    expect(matches(b, { ...NO_FILTER, search: 'claude' })).toBe(true);
    expect(matches(a, { ...NO_FILTER, search: 'prompt_change' })).toBe(true);
    expect(matches(b, { ...NO_FILTER, search: 'nothing' })).toBe(false);
  });
  it('orders suspended first, most severe and most deviant first, then by id', () => {
    const list = [agent('z'), quarantined('m', 'medium', 3), quarantined('c', 'critical', 8), quarantined('d', 'critical', 12), agent('a')];
    expect(list.sort(compareAgents).map((x) => x.agentId)).toEqual(['d', 'c', 'm', 'a', 'z']);
  });
  it('counts the fleet', () => {
    expect(fleetCounts([agent('a'), quarantined('b', 'low', 3, 'ops'), agent('c', { status: 'terminated' })])).toEqual({ total: 3, infected: 1, pending: 1, terminated: 1, sources: ['ops'] });
  });
});

describe('virtual grid', () => {
  it('renders only the rows in view plus overscan', () => {
    expect(visibleRows(0, 500, 100, 1000, 2)).toEqual({ first: 0, last: 7 });
    expect(visibleRows(50_000, 500, 100, 1000, 2)).toEqual({ first: 498, last: 507 });
    expect(visibleRows(99_900, 500, 100, 1000, 2)).toEqual({ first: 997, last: 999 });
    expect(visibleRows(0, 500, 100, 0)).toEqual({ first: 0, last: -1 });
  });
  it('fits at least one column', () => {
    expect(columnsFor(1200, 236, 8)).toBe(4);
    expect(columnsFor(100, 236, 8)).toBe(1);
  });
});

describe('FleetStore', () => {
  const event = (type: string, agentId: string, seq: number, summary: Record<string, unknown> = {}): LogEvent => ({
    seq, id: `e${seq}`, type, aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: '2026-11-23T00:00:00Z', actor: 'x', prevHash: null, hash: 'h', summary,
  });
  it('adds a registered agent from the event and marks others for reload', () => {
    const store = new FleetStore(0);
    expect(store.applyEvent(event('AgentRegistered', 'n-1', 5, { model: 'gpt-5', mcpServers: ['github'] }))).toBeNull();
    expect(store.get('n-1')).toMatchObject({ status: 'active', model: 'gpt-5', mcpServers: ['github'] });
    expect(store.applyEvent(event('AgentQuarantined', 'n-1', 6))).toBe('n-1');
    expect(store.applyEvent(event('QuarantineNoteAdded', 'n-1', 7))).toBe('n-1');
    expect(store.takeDirty()).toEqual(['n-1']);
    expect(store.takeDirty()).toEqual([]);
  });
  it('keeps the newer view and notifies listeners once per burst', async () => {
    const store = new FleetStore(5);
    let calls = 0;
    store.subscribe(() => calls++);
    store.upsert(agent('a', { version: 3 }));
    store.upsert(agent('a', { version: 2, status: 'suspended' }));
    store.upsert(agent('b'));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    expect(store.get('a')?.version).toBe(3);
    expect(store.all().map((x) => x.agentId)).toEqual(['a', 'b']);
  });
});

describe('formatting', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  it('counts down to an expiry', () => {
    expect(countdown('2026-11-23T12:01:05Z', now)).toBe('01:05');
    expect(countdown('2026-11-23T14:00:00Z', now)).toBe('2:00:00');
    expect(countdown('2026-11-23T11:00:00Z', now)).toBe('expired');
    expect(countdown(null, now)).toBe('no expiry');
  });
  it('says how long ago', () => {
    expect(relative('2026-11-23T11:59:30Z', now)).toBe('30 s ago');
    expect(relative('2026-11-23T12:05:00Z', now)).toBe('in 5 min');
    expect(relative(null, now)).toBe('—');
  });
});

describe('vitals series', () => {
  it('merges per-minute means and recent vitals, with the baseline band', () => {
    const s = seriesFor(
      {
        items: [{ minute: '2026-11-23T12:00:00.000Z', count: 2, latencyMeanMs: 700, tokens: 3000 }],
        recent: [{ ts: Date.parse('2026-11-23T12:01:10Z'), latencyMs: 900, inputTokens: 1000, outputTokens: 200 }],
        baseline: { metrics: { tokens: { mean: 1400, std: 100, low: 1150, high: 1650 } } },
      },
      'tokens',
    );
    expect(s.t).toEqual([Date.parse('2026-11-23T12:00:00Z') / 1000, Date.parse('2026-11-23T12:01:10Z') / 1000]);
    expect(s.v).toEqual([1500, 1200]);
    expect(s.band).toEqual({ low: 1150, high: 1650, mean: 1400 });
    expect(seriesFor({}, 'latencyMs')).toEqual({ t: [], v: [], band: null });
  });
  it('reads epoch ms, epoch s and ISO times', () => {
    expect(toSeconds(1_700_000_000_000)).toBe(1_700_000_000);
    expect(toSeconds(1_700_000_000)).toBe(1_700_000_000);
    expect(toSeconds('nope')).toBeNull();
  });
});
