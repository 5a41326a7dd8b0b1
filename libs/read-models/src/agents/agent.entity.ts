import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgentStatus, AgentView, ReasonCode, Severity } from '@immune/contracts';
import { bigintColumn } from '../common/bigint.transformer';

/** `agents`: one row per agent; `doc` is the AgentView of CONTRACT.md, the other columns are for filters. */
@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryColumn({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ type: 'text' })
  status!: AgentStatus;

  @Column({ type: 'text', nullable: true })
  severity!: Severity | null;

  @Column({ type: 'text', nullable: true })
  source!: string | null;

  @Column({ name: 'reason_code', type: 'text', nullable: true })
  reasonCode!: ReasonCode | null;

  @Column({ type: 'boolean' })
  quarantined!: boolean;

  /** Stream sequence of the agent's last event (= doc.version, the ETag). */
  @Column({ type: 'bigint', transformer: bigintColumn })
  version!: number;

  @Column({ type: 'jsonb' })
  doc!: AgentView;
}
