import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../common/bigint.transformer';

/**
 * `vitals_rollups`: per agent and minute (of the vital's `ts`), the sums and maxima of its vitals. Written by
 * telemetry in batched upserts every few seconds; history, not a projection of the event log (raw vitals stay
 * in the `{NS}_VITALS` stream, which expires), so it is not rebuilt by `projections rebuild`.
 */
@Entity({ name: 'vitals_rollups' })
export class VitalsRollupEntity {
  @PrimaryColumn({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  minute!: Date;

  @Column({ type: 'integer' })
  count!: number;

  /** Vitals with `success: false`. */
  @Column({ type: 'integer' })
  failures!: number;

  @Column({ type: 'bigint', transformer: bigintColumn })
  retries!: number;

  /** Mean latency = latencySumMs / count. */
  @Column({ name: 'latency_sum_ms', type: 'double precision' })
  latencySumMs!: number;

  @Column({ name: 'latency_max_ms', type: 'double precision' })
  latencyMaxMs!: number;

  @Column({ name: 'input_tokens', type: 'bigint', transformer: bigintColumn })
  inputTokens!: number;

  @Column({ name: 'output_tokens', type: 'bigint', transformer: bigintColumn })
  outputTokens!: number;

  @Column({ type: 'bigint', transformer: bigintColumn })
  tokens!: number;

  @Column({ name: 'cost_usd', type: 'double precision' })
  costUsd!: number;

  @Column({ name: 'tool_calls', type: 'bigint', transformer: bigintColumn })
  toolCalls!: number;

  /** The latest `ts` among the minute's vitals. */
  @Column({ name: 'last_vital_at', type: 'timestamptz' })
  lastVitalAt!: Date;
}
