import type {
  AgentStatus,
  ApprovalState,
  Diagnosis,
  HealMode,
  HealingState,
  QuarantineLevel,
  ReasonCode,
  Restrictions,
  Severity,
} from './agent-events';

export interface NoteView {
  noteId: string;
  note: string;
  author: string;
  at: string;
}

/** The quarantine entry inside `GET /agents/{id}` (CONTRACT.md). */
export interface QuarantineView {
  quarantineId: string;
  level: QuarantineLevel;
  reasonCode: ReasonCode;
  reason: string;
  severity: Severity;
  source: string;
  quarantinedAt: string;
  expiresAt: string | null;
  approval: ApprovalState;
  healing: HealingState;
  diagnoses: Diagnosis[];
  deviation: number | null;
  notes: NoteView[];
  /** `manual` quarantines are healed only on heal-now (added to the contract's shape; additive). */
  healMode: HealMode;
  /** When an operator last asked to heal now (`HealingRequested`), or null. */
  healRequestedAt: string | null;
}

export interface AgentView {
  agentId: string;
  status: AgentStatus;
  restrictions: Restrictions;
  quarantine: QuarantineView | null;
  baseline: Record<string, unknown> | null;
  lastVitalAt: string | null;
  model: string | null;
  agentType: string | null;
  mcpServers: string[];
  registeredAt: string;
  version: number;
}

/** One row of `GET /quarantines`: a quarantine entry, current or ended. */
export interface QuarantineRecordView extends QuarantineView {
  agentId: string;
  active: boolean;
  outcome: 'active' | 'released' | 'terminated';
  endedAt: string | null;
  resolution: string | null;
  durationSeconds: number | null;
  escalations: number;
  forensic: Record<string, unknown> | null;
}

export interface ReportView {
  totalQuarantined: number;
  currentlyQuarantined: number;
  released: number;
  terminated: number;
  bySeverity: Record<Severity, number>;
  bySource: Record<string, number>;
  avgDurationSeconds: number | null;
  posture: string;
  summary: string;
}

export interface ListPage<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

export interface EventView {
  seq: number;
  subject: string;
  id: string;
  type: string;
  aggregate: string;
  aggregateId: string;
  agentId: string | null;
  occurredAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  data: unknown;
  prevHash: string | null;
  hash: string;
}

export interface VerifyResult {
  valid: boolean;
  checked: number;
  checkpoints: number;
  brokenAt?: { seq: number | null; subject: string | null; eventId: string | null; reason: string };
}
