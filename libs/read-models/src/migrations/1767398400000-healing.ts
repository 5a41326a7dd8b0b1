import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified } from './1767225600000-read-models';

/**
 * Immune memory (docs/read-models.md): `healing_log` (one row per healing event), `healing_patterns` (fleet-wide
 * outcomes per diagnosis and action) and `healing_agent_memory` (per agent and diagnosis), with their checkpoints.
 */
export class Healing1767398400000 implements MigrationInterface {
  name = 'Healing1767398400000';

  async up(q: QueryRunner): Promise<void> {
    const t = (table: string) => qualified(q, table);
    await q.query(`CREATE TABLE ${t('healing_log')} (
      seq bigint NOT NULL,
      agent_id text COLLATE "C" NOT NULL,
      healing_id text COLLATE "C" NOT NULL,
      quarantine_id text COLLATE "C" NOT NULL,
      type text COLLATE "C" NOT NULL,
      outcome text COLLATE "C" NOT NULL,
      diagnosis text COLLATE "C" NOT NULL,
      action text COLLATE "C",
      attempt integer,
      reason text,
      detail text,
      occurred_at timestamptz NOT NULL,
      CONSTRAINT healing_log_pkey PRIMARY KEY (seq)
    )`);
    await q.query(`CREATE INDEX healing_log_agent_id_idx ON ${t('healing_log')} (agent_id, seq DESC)`);

    await q.query(`CREATE TABLE ${t('healing_patterns')} (
      pattern_key text COLLATE "C" NOT NULL,
      diagnosis text COLLATE "C" NOT NULL,
      action text COLLATE "C" NOT NULL,
      successes integer NOT NULL DEFAULT 0,
      failures integer NOT NULL DEFAULT 0,
      CONSTRAINT healing_patterns_pkey PRIMARY KEY (pattern_key)
    )`);

    await q.query(`CREATE TABLE ${t('healing_agent_memory')} (
      memory_key text COLLATE "C" NOT NULL,
      agent_id text COLLATE "C" NOT NULL,
      diagnosis text COLLATE "C" NOT NULL,
      healings integer NOT NULL DEFAULT 0,
      exhaustions integer NOT NULL DEFAULT 0,
      last_outcome text COLLATE "C" NOT NULL,
      last_at timestamptz NOT NULL,
      doc jsonb NOT NULL,
      CONSTRAINT healing_agent_memory_pkey PRIMARY KEY (memory_key)
    )`);
    await q.query(`CREATE INDEX healing_agent_memory_agent_id_idx ON ${t('healing_agent_memory')} (agent_id, diagnosis)`);

    await q.query(
      `INSERT INTO ${t('projection_checkpoints')} (name, last_seq) VALUES ('healing_log', 0), ('healing_patterns', 0), ('healing_agent_memory', 0)
       ON CONFLICT (name) DO NOTHING`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['healing_agent_memory', 'healing_patterns', 'healing_log']) await q.query(`DROP TABLE IF EXISTS ${qualified(q, table)}`);
    await q.query(`DELETE FROM ${qualified(q, 'projection_checkpoints')} WHERE name IN ('healing_log', 'healing_patterns', 'healing_agent_memory')`);
  }
}
