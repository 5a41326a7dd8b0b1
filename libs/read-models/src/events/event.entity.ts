import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../common/bigint.transformer';

/** `events`: the archive of the log, one row per envelope (every type, known or not), in stream order. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintColumn })
  seq!: number;

  @Index('events_id_key', { unique: true })
  @Column({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  aggregate!: string;

  @Column({ name: 'aggregate_id', type: 'text' })
  aggregateId!: string;

  @Column({ name: 'agent_id', type: 'text', nullable: true })
  agentId!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'causation_id', type: 'text' })
  causationId!: string;

  /** json (not jsonb): stored as written, only ever read back whole (see the migration). */
  @Column({ type: 'json' })
  data!: unknown;

  @Column({ name: 'prev_hash', type: 'text', nullable: true })
  prevHash!: string | null;

  @Column({ type: 'text' })
  hash!: string;
}
