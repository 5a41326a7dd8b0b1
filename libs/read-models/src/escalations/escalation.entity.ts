import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EscalationView } from '@immune/contracts';
import { bigintColumn } from '../common/bigint.transformer';

/** `escalations`: every posture escalation, pending, active or ended; listed by `opened_seq` descending (newest first). */
@Entity({ name: 'escalations' })
export class EscalationEntity {
  @PrimaryColumn({ name: 'escalation_id', type: 'text' })
  escalationId!: string;

  @Column({ type: 'text' })
  status!: EscalationView['status'];

  @Column({ name: 'from_profile', type: 'text' })
  fromProfile!: string;

  @Column({ name: 'to_profile', type: 'text' })
  toProfile!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** Stream sequence of the escalation's first event. */
  @Column({ name: 'opened_seq', type: 'bigint', transformer: bigintColumn })
  openedSeq!: number;

  @Column({ type: 'jsonb' })
  doc!: EscalationView;
}
