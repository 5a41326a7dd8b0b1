import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified } from './1767225600000-read-models';

/**
 * `vitals_rollups`: one row per agent per minute, written by telemetry in batched upserts (history, not a
 * projection of the event log — see docs/read-models.md). The primary key serves both the upsert and the
 * dashboard's range query (one agent, a time range); `minute` alone serves retention deletes.
 */
export class VitalsRollups1767484800000 implements MigrationInterface {
  name = 'VitalsRollups1767484800000';

  async up(q: QueryRunner): Promise<void> {
    const t = qualified(q, 'vitals_rollups');
    await q.query(`CREATE TABLE ${t} (
      agent_id text COLLATE "C" NOT NULL,
      minute timestamptz NOT NULL,
      count integer NOT NULL,
      failures integer NOT NULL,
      retries bigint NOT NULL,
      latency_sum_ms double precision NOT NULL,
      latency_max_ms double precision NOT NULL,
      input_tokens bigint NOT NULL,
      output_tokens bigint NOT NULL,
      tokens bigint NOT NULL,
      cost_usd double precision NOT NULL,
      tool_calls bigint NOT NULL,
      last_vital_at timestamptz NOT NULL,
      CONSTRAINT vitals_rollups_pkey PRIMARY KEY (agent_id, minute)
    )`);
    await q.query(`CREATE INDEX vitals_rollups_minute_idx ON ${t} (minute)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${qualified(q, 'vitals_rollups')}`);
  }
}
