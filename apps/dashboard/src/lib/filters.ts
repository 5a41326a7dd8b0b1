import type { Agent, AgentStatus, Severity } from './types';

export interface AgentFilter {
  status: AgentStatus | 'quarantined' | '';
  severity: Severity | '';
  source: string;
  search: string;
}

export const NO_FILTER: AgentFilter = { status: '', severity: '', source: '', search: '' };

/** Whether an agent matches the grid's filters (search: id, model, type, MCP server or quarantine reason). */
export function matches(a: Agent, f: AgentFilter): boolean {
  if (f.status === 'quarantined') {
    if (a.status !== 'restricted' && a.status !== 'suspended') return false;
  } else if (f.status && a.status !== f.status) return false;
  if (f.severity && a.quarantine?.severity !== f.severity) return false;
  if (f.source && a.quarantine?.source !== f.source) return false;
  const q = f.search.trim().toLowerCase();
  if (!q) return true;
  return (
    a.agentId.toLowerCase().includes(q) ||
    (a.model ?? '').toLowerCase().includes(q) ||
    (a.agentType ?? '').toLowerCase().includes(q) ||
    a.mcpServers.some((s) => s.toLowerCase().includes(q)) ||
    (a.quarantine?.reason ?? '').toLowerCase().includes(q)
  );
}

/** Quarantined agents first (critical first, then by deviation), then the rest by id. */
const STATUS_RANK: Record<string, number> = { suspended: 0, restricted: 1, active: 2, terminated: 3 };
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function compareAgents(a: Agent, b: Agent): number {
  const rank = (x: Agent) => STATUS_RANK[x.status] ?? 4;
  const sev = (x: Agent) => SEVERITY_RANK[x.quarantine?.severity ?? 'low'] ?? 3;
  return (
    rank(a) - rank(b) ||
    sev(a) - sev(b) ||
    (b.quarantine?.deviation ?? 0) - (a.quarantine?.deviation ?? 0) ||
    (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0)
  );
}

/** Counts for the stats bar. */
export function fleetCounts(agents: Iterable<Agent>): { total: number; infected: number; pending: number; terminated: number; sources: string[] } {
  let total = 0;
  let infected = 0;
  let pending = 0;
  let terminated = 0;
  const sources = new Set<string>();
  for (const a of agents) {
    total++;
    if (a.status === 'restricted' || a.status === 'suspended') infected++;
    if (a.status === 'terminated') terminated++;
    if (a.quarantine?.approval === 'pending') pending++;
    if (a.quarantine?.source) sources.add(a.quarantine.source);
  }
  return { total, infected, pending, terminated, sources: [...sources].sort() };
}
