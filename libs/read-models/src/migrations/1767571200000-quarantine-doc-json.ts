import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified } from './1767225600000-read-models';

/**
 * `quarantines.doc` becomes `json` (the validated text, stored as written) instead of `jsonb`: the record is only
 * ever read back whole (`GET /quarantines`, the agent's quarantine history) and nothing filters or indexes inside
 * it, while building jsonb's binary form of ~1 KB records was a third of the PostgreSQL CPU a rebuild spends on
 * the table. Existing rows keep their content (as jsonb rendered it). `agents.doc` stays jsonb: queries look inside.
 */
export class QuarantineDocJson1767571200000 implements MigrationInterface {
  name = 'QuarantineDocJson1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${qualified(q, 'quarantines')} ALTER COLUMN doc TYPE json USING doc::json`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${qualified(q, 'quarantines')} ALTER COLUMN doc TYPE jsonb USING doc::jsonb`);
  }
}
