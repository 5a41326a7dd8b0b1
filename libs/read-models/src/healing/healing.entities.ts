import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../common/bigint.transformer';
import type { HealingAgentMemoryRow } from './healing-agent-memory.projection';

/** `healing_log`: one row per healing event; listed by `seq` descending (newest first). */
@Entity({ name: 'healing_log' })
export class HealingLogEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintColumn })
  seq!: number;

  @Column({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ name: 'healing_id', type: 'text' })
  healingId!: string;

  @Column({ name: 'quarantine_id', type: 'text' })
  quarantineId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ type: 'text' })
  diagnosis!: string;

  @Column({ type: 'text', nullable: true })
  action!: string | null;

  @Column({ type: 'integer', nullable: true })
  attempt!: number | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

/** `healing_patterns`: fleet-wide successes and failures per diagnosis and action. */
@Entity({ name: 'healing_patterns' })
export class HealingPatternEntity {
  @PrimaryColumn({ name: 'pattern_key', type: 'text' })
  patternKey!: string;

  @Column({ type: 'text' })
  diagnosis!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'integer' })
  successes!: number;

  @Column({ type: 'integer' })
  failures!: number;
}

/** `healing_agent_memory`: per agent and diagnosis, healings, exhaustions and per-action outcomes. */
@Entity({ name: 'healing_agent_memory' })
export class HealingAgentMemoryEntity {
  @PrimaryColumn({ name: 'memory_key', type: 'text' })
  memoryKey!: string;

  @Column({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @Column({ type: 'text' })
  diagnosis!: string;

  @Column({ type: 'integer' })
  healings!: number;

  @Column({ type: 'integer' })
  exhaustions!: number;

  @Column({ name: 'last_outcome', type: 'text' })
  lastOutcome!: string;

  @Column({ name: 'last_at', type: 'timestamptz' })
  lastAt!: Date;

  @Column({ type: 'jsonb' })
  doc!: HealingAgentMemoryRow;
}
