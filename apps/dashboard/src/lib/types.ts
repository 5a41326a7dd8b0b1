/** The shapes the dashboard reads (CONTRACT.md); a copy, so the browser bundle imports nothing of the backend. */
export type Role = 'viewer' | 'operator' | 'admin' | 'ingest';
export type AgentStatus = 'active' | 'restricted' | 'suspended' | 'terminated';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const STATUSES: AgentStatus[] = ['active', 'restricted', 'suspended', 'terminated'];
export const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
export const PROFILES = ['observer', 'operator', 'guardian', 'phoenix', 'sovereign'] as const;
export type Profile = (typeof PROFILES)[number];

export interface Diagnosis {
  hypothesis: string;
  confidence: number;
  evidence?: string[];
}
export interface Note {
  noteId: string;
  note: string;
  author: string;
  at: string;
}
export interface Quarantine {
  quarantineId: string;
  level: 'restricted' | 'suspended';
  reasonCode: string;
  reason: string;
  severity: Severity;
  source: string;
  quarantinedAt: string;
  expiresAt: string | null;
  approval: 'none' | 'pending' | 'approved' | 'rejected';
  healing: string;
  diagnoses: Diagnosis[];
  deviation: number | null;
  notes: Note[];
  healMode?: 'automatic' | 'manual';
  forensic?: Record<string, unknown> | null;
}
export interface Agent {
  agentId: string;
  status: AgentStatus;
  restrictions: Record<string, boolean>;
  quarantine: Quarantine | null;
  baseline: Record<string, unknown> | null;
  lastVitalAt: string | null;
  model: string | null;
  agentType: string | null;
  mcpServers: string[];
  registeredAt?: string;
  version: number;
}
export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}
export interface LogEvent {
  seq: number;
  id: string;
  type: string;
  aggregate: string;
  aggregateId: string;
  agentId: string | null;
  occurredAt: string;
  actor: string;
  prevHash: string | null;
  hash: string;
  /** Full data from `GET /events`; the live stream sends `summary` instead. */
  data?: unknown;
  summary?: Record<string, unknown>;
}
export interface FleetStats {
  at: string;
  vitalsPerSecond: number;
  eventsPerSecond: number;
  vitalsSeq: number;
  eventsSeq: number;
  readModelSeq: number;
  listeners: number;
}
export interface Report {
  totalQuarantined: number;
  currentlyQuarantined: number;
  released: number;
  terminated: number;
  posture: string;
  summary: string;
}
export interface VerifyResult {
  valid: boolean;
  checked: number;
  checkpoints?: number;
  brokenAt?: { seq: number | null; subject: string | null; eventId: string | null; reason: string };
}
