import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BASELINE_PROFILES, PROFILES, type BaselineProfile, type Profile } from '../posture';
import { DEESCALATION_TYPES, ESCALATION_TYPES, type DeescalationType, type EscalationType } from '../escalation-events';

/** `POST /escalations` */
export class RequestEscalationRequestDto {
  @IsIn(PROFILES)
  toProfile!: Profile;

  @IsIn(ESCALATION_TYPES)
  type!: EscalationType;

  @IsString() @IsNotEmpty() @MaxLength(2000)
  reason!: string;

  @IsOptional() @IsInt() @Min(1) @Max(2_592_000)
  ttlSeconds?: number;
}

/** `POST /escalations/{id}/deescalate` */
export class DeescalateRequestDto {
  @IsIn(DEESCALATION_TYPES)
  type!: DeescalationType;

  @IsString() @IsNotEmpty() @MaxLength(2000)
  reason!: string;
}

/** `PUT /posture/baseline` */
export class ChangeBaselineRequestDto {
  @IsIn(BASELINE_PROFILES)
  profile!: BaselineProfile;

  @IsString() @IsNotEmpty() @MaxLength(2000)
  reason!: string;
}
