import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../common/bigint.transformer';
import type { PostureRowDoc } from './posture.projection';

/** `posture`: the fleet posture in force, one row (`id` = 1); no row = the default (operator, resting operator). */
@Entity({ name: 'posture' })
@Check('"id" = 1')
export class PostureEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'text' })
  current!: string;

  @Column({ type: 'text' })
  baseline!: string;

  /** Stream sequence of the last event that changed the posture. */
  @Column({ type: 'bigint', transformer: bigintColumn })
  version!: number;

  @Column({ name: 'changed_at', type: 'timestamptz', nullable: true })
  changedAt!: Date | null;

  @Column({ type: 'jsonb' })
  doc!: PostureRowDoc;
}
