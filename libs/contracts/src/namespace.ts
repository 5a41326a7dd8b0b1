/** Everything on NATS and in PostgreSQL is prefixed by the namespace, so two namespaces never meet. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;
export const DEFAULT_NAMESPACE = 'immune';

export function assertNamespace(ns: string): string {
  if (!NAMESPACE_PATTERN.test(ns)) {
    throw new Error(`IMMUNE_NAMESPACE "${ns}" is invalid: it must match ${NAMESPACE_PATTERN.source}`);
  }
  return ns;
}

export const AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export type AggregateKind = 'agent' | 'escalation' | 'posture' | 'checkpoint';

/** Names of every subject, stream, bucket and schema of one namespace. */
export interface Names {
  readonly ns: string;
  readonly eventsStream: string;
  readonly eventsWildcard: string;
  eventSubject(aggregate: AggregateKind, id: string): string;
  agentEvents(agentId: string): string;
  readonly checkpointSubject: string;
  readonly vitalsStream: string;
  readonly vitalsWildcard: string;
  vitals(agentId: string): string;
  readonly rejectedVitals: string;
  readonly statusBucket: string;
  /** Request/reply from the gateway (or any tool) to the quarantine service. */
  readonly agentCommands: string;
  /** Request/reply to the escalation service (escalations and the resting posture). */
  readonly escalationCommands: string;
  /** Request/reply from the healer to one agent. */
  agentChannel(agentId: string): string;
  /** Core-NATS notice the projector publishes after each committed batch: `{ "seq": number }`. */
  readonly projectionProgress: string;
  /** Core-NATS heartbeats of every service: `{ "service", "instance", "at" }`. */
  readonly heartbeats: string;
  /** Request/reply control of the live projector (pause/resume around a rebuild). */
  readonly projectorControl: string;
  /** KV bucket of the sentinel's partition leases: key `p{n}`, value `{ "owner", "expiresAt" }`. */
  readonly sentinelLeases: string;
  /** KV bucket of persisted baselines: key = agentId, plus `partition.p{n}` progress entries. */
  readonly baselines: string;
  /** KV bucket of the healer's per-agent leases: key = agentId, value `{ "owner", "expiresAt", "healingId" }`. */
  readonly healingLeases: string;
  /** KV bucket of runtime configuration (key `detection`: per-fleet and per-agentType thresholds). */
  readonly configBucket: string;
  /** Core-NATS exchange of the sentinels' anomalies and baseline counts (fleet correlation). */
  readonly sentinelAnomalies: string;
  readonly pgSchema: string;
}

export function names(ns: string): Names {
  assertNamespace(ns);
  const NS = ns.toUpperCase();
  return {
    ns,
    eventsStream: `${NS}_EVENTS`,
    eventsWildcard: `${ns}.events.>`,
    eventSubject: (aggregate, id) => `${ns}.events.${aggregate}.${id}`,
    agentEvents: (agentId) => `${ns}.events.agent.${agentId}`,
    checkpointSubject: `${ns}.events.checkpoint.chain`,
    vitalsStream: `${NS}_VITALS`,
    vitalsWildcard: `${ns}.vitals.*`,
    vitals: (agentId) => `${ns}.vitals.${agentId}`,
    rejectedVitals: `${ns}.rejected.vitals`,
    statusBucket: `${ns}_agent_status`,
    agentCommands: `${ns}.commands.agent`,
    escalationCommands: `${ns}.commands.escalation`,
    agentChannel: (agentId) => `${ns}.agents.${agentId}.commands`,
    projectionProgress: `${ns}.projections.progress`,
    heartbeats: `${ns}.services.heartbeat`,
    projectorControl: `${ns}.projections.control`,
    sentinelLeases: `${ns}_sentinel_leases`,
    baselines: `${ns}_baselines`,
    healingLeases: `${ns}_healing_leases`,
    configBucket: `${ns}_config`,
    sentinelAnomalies: `${ns}.sentinel.anomalies`,
    pgSchema: ns,
  };
}
