import { createContext } from 'preact';
import type { Api } from './lib/api';
import type { FleetStore } from './lib/fleet-store';
import type { FleetStats, LogEvent, Role } from './lib/types';

/** What every view gets: the API with the signed-in key, the role, the live fleet, and the routes the gateway has. */
export interface Session {
  api: Api;
  name: string;
  role: Role;
  store: FleetStore;
  stats: FleetStats | null;
  /** API paths present in the gateway's OpenAPI document (routes other services may not provide yet). */
  routes: Set<string>;
  /** Live events, newest last (bounded). */
  recent: LogEvent[];
  /** Increments on every live event: views reload what they show (debounced). */
  liveTick: number;
  notify(text: string, kind?: 'ok' | 'error'): void;
}

export const SessionContext = createContext<Session | null>(null);

const RANK: Record<Role, number> = { ingest: -1, viewer: 0, operator: 1, admin: 2 };

/** Whether a role may do what needs `need` (ingest can do nothing here). */
export function can(role: Role, need: 'viewer' | 'operator' | 'admin'): boolean {
  return RANK[role] >= RANK[need];
}

/** Whether the gateway has a route (as written in its OpenAPI document, e.g. `/api/v1/healing/log`). */
export function has(session: Pick<Session, 'routes'>, path: string): boolean {
  return session.routes.has(path);
}
