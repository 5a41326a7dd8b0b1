import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified } from './1767225600000-read-models';

/** The escalation read models (docs/read-models.md): `escalations` and the one-row `posture`. */
export class Escalations1767312000000 implements MigrationInterface {
  name = 'Escalations1767312000000';

  async up(q: QueryRunner): Promise<void> {
    const t = (table: string) => qualified(q, table);
    await q.query(`CREATE TABLE ${t('escalations')} (
      escalation_id text COLLATE "C" NOT NULL,
      status text COLLATE "C" NOT NULL,
      from_profile text COLLATE "C" NOT NULL,
      to_profile text COLLATE "C" NOT NULL,
      type text COLLATE "C" NOT NULL,
      requested_at timestamptz NOT NULL,
      expires_at timestamptz,
      ended_at timestamptz,
      opened_seq bigint NOT NULL,
      doc jsonb NOT NULL,
      CONSTRAINT escalations_pkey PRIMARY KEY (escalation_id)
    )`);
    await q.query(`CREATE INDEX escalations_opened_seq_idx ON ${t('escalations')} (opened_seq DESC, escalation_id DESC)`);
    await q.query(`CREATE INDEX escalations_to_profile_idx ON ${t('escalations')} (to_profile, opened_seq DESC)`);
    await q.query(`CREATE INDEX escalations_active_idx ON ${t('escalations')} (opened_seq DESC) WHERE status = 'active'`);
    await q.query(`CREATE TABLE ${t('posture')} (
      id integer NOT NULL,
      current text NOT NULL,
      baseline text NOT NULL,
      version bigint NOT NULL,
      changed_at timestamptz,
      doc jsonb NOT NULL,
      CONSTRAINT posture_pkey PRIMARY KEY (id),
      CONSTRAINT posture_single_row CHECK (id = 1)
    )`);
    // A new projection starts at 0 (the projector replays the log into it from there).
    await q.query(`INSERT INTO ${t('projection_checkpoints')} (name, last_seq) VALUES ('escalations', 0), ('posture', 0) ON CONFLICT (name) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM ${qualified(q, 'projection_checkpoints')} WHERE name IN ('escalations', 'posture')`);
    await q.query(`DROP TABLE IF EXISTS ${qualified(q, 'posture')}`);
    await q.query(`DROP TABLE IF EXISTS ${qualified(q, 'escalations')}`);
  }
}
