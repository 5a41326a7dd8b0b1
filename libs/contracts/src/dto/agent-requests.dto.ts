import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QUARANTINE_LEVELS, REASON_CODES, SEVERITIES } from '../agent-events';
import type { QuarantineLevel, ReasonCode, Severity } from '../agent-events';

/** `POST /agents/{id}/quarantine` */
export class QuarantineAgentRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(2000)
  reason!: string;

  @IsOptional() @IsIn(REASON_CODES)
  reasonCode?: ReasonCode;

  @IsOptional() @IsIn(SEVERITIES)
  severity?: Severity;

  @IsOptional() @IsIn(QUARANTINE_LEVELS)
  level?: QuarantineLevel;

  @IsOptional() @IsInt() @Min(1) @Max(31_536_000)
  ttlSeconds?: number;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(128)
  source?: string;
}

/** `POST /agents/{id}/release` and `/terminate` */
export class ResolutionRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(2000)
  resolution!: string;
}

/** `POST /agents/{id}/escalate` */
export class EscalateAgentRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(2000)
  reason!: string;
}

/** `POST /agents/{id}/notes` */
export class AddNoteRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(4000)
  note!: string;
}

/**
 * `POST /approvals/{agentId}/approve`, `/reject`, `/approvals/approve-all`, `/reject-all`, `/agents/{id}/heal`:
 * an optional reason, recorded with the decision.
 */
export class HealingDecisionRequestDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000)
  reason?: string;
}
