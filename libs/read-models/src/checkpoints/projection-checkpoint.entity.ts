import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../common/bigint.transformer';

/** `projection_checkpoints`: the last stream sequence each projection applied, written with its rows. */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'last_seq', type: 'bigint', transformer: bigintColumn })
  lastSeq!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
