import type { Diagnosis, HealMode, QuarantineLevel, ReasonCode, Severity } from './agent-events';
import type { ApproveHealing, RejectHealing, ReportInfection, RequestHealing } from './detection-events';
import type { ErrorBody } from './errors';
import type { HealingCommand } from './healing-events';

/** Metadata every command carries; the decider is pure, so time and new ids arrive with the command. */
export interface CommandMeta {
  commandId: string;
  agentId: string;
  actor: string;
  /** ISO-8601 UTC time at which the command is decided. */
  now: string;
}

export interface RegisterAgent {
  type: 'RegisterAgent';
  model?: string | null;
  agentType?: string | null;
  mcpServers?: string[];
}

export interface QuarantineAgent {
  type: 'QuarantineAgent';
  quarantineId: string;
  reason: string;
  reasonCode?: ReasonCode;
  severity?: Severity;
  level?: QuarantineLevel;
  ttlSeconds?: number;
  source?: string;
  healMode?: HealMode;
  diagnoses?: Diagnosis[];
  deviation?: number | null;
  forensic?: Record<string, unknown> | null;
}

export interface ReleaseAgent {
  type: 'ReleaseAgent';
  resolution: string;
}

export interface EscalateAgent {
  type: 'EscalateAgent';
  reason: string;
  /** Whether the actor may take the last step (suspended → terminated): an admin, or a policy. */
  mayTerminate: boolean;
}

export interface TerminateAgent {
  type: 'TerminateAgent';
  resolution: string;
}

export interface AddQuarantineNote {
  type: 'AddQuarantineNote';
  noteId: string;
  note: string;
}

export type AgentCommandBody =
  | RegisterAgent
  | QuarantineAgent
  | ReleaseAgent
  | EscalateAgent
  | TerminateAgent
  | AddQuarantineNote
  | ReportInfection
  | ApproveHealing
  | RejectHealing
  | RequestHealing
  | HealingCommand;

export type AgentCommand = AgentCommandBody & CommandMeta;

/** Body of a request on `{ns}.commands.agent`. */
export interface AgentCommandRequest {
  commandId: string;
  agentId: string;
  actor: string;
  correlationId?: string;
  /** The version (stream sequence of the last event) the caller saw; a mismatch answers AGENT.VERSION_MISMATCH. */
  expectedVersion?: number;
  command: AgentCommandBody;
}

export type AgentCommandReply =
  | {
      ok: true;
      agentId: string;
      /** Stream sequence of the aggregate's last event after the command: the new version. */
      version: number;
      /** Stream sequences of the appended events (empty when the command changed nothing). */
      sequences: number[];
      eventTypes: string[];
      /** True when this reply repeats the outcome of an earlier command with the same id. */
      duplicate: boolean;
    }
  | { ok: false; error: ErrorBody };
