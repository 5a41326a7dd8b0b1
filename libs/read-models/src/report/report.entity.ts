import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** `report`: the counters behind `GET /report`, one row (`id` = 1). */
@Entity({ name: 'report' })
@Check('"id" = 1')
export class ReportEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'total_quarantined', type: 'integer' })
  totalQuarantined!: number;

  @Column({ type: 'integer' })
  released!: number;

  @Column({ type: 'integer' })
  terminated!: number;

  @Column({ name: 'by_severity', type: 'jsonb' })
  bySeverity!: Record<string, number>;

  @Column({ name: 'by_source', type: 'jsonb' })
  bySource!: Record<string, number>;

  /** Quarantine entries that ended (released, or terminated while quarantined). */
  @Column({ name: 'ended_count', type: 'integer' })
  endedCount!: number;

  @Column({ name: 'total_duration_seconds', type: 'double precision' })
  totalDurationSeconds!: number;
}
