import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { QuarantineRecordView, ReasonCode, Severity } from '@immune/contracts';
import { bigintColumn } from '../common/bigint.transformer';

/** `quarantines`: every quarantine entry, open or ended; listed by `opened_seq` descending (newest first). */
@Entity({ name: 'quarantines' })
export class QuarantineEntity {
  @PrimaryColumn({ name: 'quarantine_id', type: 'text' })
  quarantineId!: string;

  @Column({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'text' })
  severity!: Severity;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'reason_code', type: 'text' })
  reasonCode!: ReasonCode;

  @Column({ name: 'quarantined_at', type: 'timestamptz' })
  quarantinedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** Stream sequence of the AgentQuarantined event that opened the entry. */
  @Column({ name: 'opened_seq', type: 'bigint', transformer: bigintColumn })
  openedSeq!: number;

  /** json (not jsonb): only ever read back whole (see the migration 1767571200000). */
  @Column({ type: 'json' })
  doc!: QuarantineRecordView;
}
