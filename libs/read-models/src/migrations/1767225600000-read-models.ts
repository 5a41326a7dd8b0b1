import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Quoted `"schema"."table"` of the DataSource's namespace schema. */
export function qualified(queryRunner: QueryRunner, table: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('read-model migrations need a DataSource with `schema` set to the namespace');
  return `${quote(schema)}.${quote(table)}`;
}

function quote(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/**
 * The tables of docs/read-models.md. Index names are stable (the rebuild re-creates them under the same names
 * when it swaps tables in), and every filter of the API's lists has one: filter column, then the list order
 * (partial for the boolean filters, which only ever ask for `true`). Each index costs rebuild time: add one for
 * a query, not for a column.
 *
 * Indexed text columns (ids, and the enum-like filters) are `COLLATE "C"`: they order by bytes, the same on every
 * server whatever its locale, and sorting them — every index build of a rebuild — compares bytes instead of
 * calling the locale's strcoll (measured: the rebuild's index builds take ~30% less CPU). For these ASCII values
 * the order is the one a C.UTF-8 database gives anyway.
 */
export class ReadModels1767225600000 implements MigrationInterface {
  name = 'ReadModels1767225600000';

  async up(q: QueryRunner): Promise<void> {
    const t = (table: string) => qualified(q, table);

    await q.query(`CREATE TABLE ${t('agents')} (
      agent_id text COLLATE "C" NOT NULL,
      status text COLLATE "C" NOT NULL,
      severity text COLLATE "C",
      source text COLLATE "C",
      reason_code text COLLATE "C",
      quarantined boolean NOT NULL,
      version bigint NOT NULL,
      doc jsonb NOT NULL,
      CONSTRAINT agents_pkey PRIMARY KEY (agent_id)
    )`);
    await q.query(`CREATE INDEX agents_status_idx ON ${t('agents')} (status, agent_id)`);
    await q.query(`CREATE INDEX agents_severity_idx ON ${t('agents')} (severity, agent_id)`);
    await q.query(`CREATE INDEX agents_source_idx ON ${t('agents')} (source, agent_id)`);
    await q.query(`CREATE INDEX agents_reason_code_idx ON ${t('agents')} (reason_code, agent_id)`);
    await q.query(`CREATE INDEX agents_quarantined_idx ON ${t('agents')} (agent_id) WHERE quarantined`);

    await q.query(`CREATE TABLE ${t('quarantines')} (
      quarantine_id text COLLATE "C" NOT NULL,
      agent_id text COLLATE "C" NOT NULL,
      active boolean NOT NULL,
      severity text COLLATE "C" NOT NULL,
      source text COLLATE "C" NOT NULL,
      reason_code text COLLATE "C" NOT NULL,
      quarantined_at timestamptz NOT NULL,
      ended_at timestamptz,
      opened_seq bigint NOT NULL,
      doc jsonb NOT NULL,
      CONSTRAINT quarantines_pkey PRIMARY KEY (quarantine_id)
    )`);
    await q.query(`CREATE INDEX quarantines_opened_seq_idx ON ${t('quarantines')} (opened_seq DESC, quarantine_id DESC)`);
    await q.query(`CREATE INDEX quarantines_agent_id_idx ON ${t('quarantines')} (agent_id, opened_seq DESC)`);
    await q.query(`CREATE INDEX quarantines_active_idx ON ${t('quarantines')} (opened_seq DESC, quarantine_id DESC) WHERE active`);
    await q.query(`CREATE INDEX quarantines_severity_idx ON ${t('quarantines')} (severity, opened_seq DESC)`);
    await q.query(`CREATE INDEX quarantines_source_idx ON ${t('quarantines')} (source, opened_seq DESC)`);
    await q.query(`CREATE INDEX quarantines_reason_code_idx ON ${t('quarantines')} (reason_code, opened_seq DESC)`);

    await q.query(`CREATE TABLE ${t('events')} (
      seq bigint NOT NULL,
      id text COLLATE "C" NOT NULL,
      subject text NOT NULL,
      type text COLLATE "C" NOT NULL,
      aggregate text COLLATE "C" NOT NULL,
      aggregate_id text NOT NULL,
      agent_id text COLLATE "C",
      occurred_at timestamptz NOT NULL,
      actor text NOT NULL,
      correlation_id text NOT NULL,
      causation_id text NOT NULL,
      data json NOT NULL,
      prev_hash text,
      hash text NOT NULL,
      CONSTRAINT events_pkey PRIMARY KEY (seq)
    )`);
    // `data` is json, not jsonb: the archive only hands it back whole (GET /events), nothing filters or indexes
    // inside it, and json is the text as written (validated) while jsonb makes PostgreSQL build a binary form —
    // half of the work of COPYing the archive in a rebuild. Should a query ever need to look inside, `data::jsonb`
    // works per row, or a later migration converts the column.
    // A unique index rather than a constraint: the live projector inserts with ON CONFLICT DO NOTHING.
    await q.query(`CREATE UNIQUE INDEX events_id_key ON ${t('events')} (id)`);
    await q.query(`CREATE INDEX events_agent_id_idx ON ${t('events')} (agent_id, seq)`);
    await q.query(`CREATE INDEX events_aggregate_idx ON ${t('events')} (aggregate, seq)`);
    await q.query(`CREATE INDEX events_type_idx ON ${t('events')} (type, seq)`);

    await q.query(`CREATE TABLE ${t('report')} (
      id integer NOT NULL,
      total_quarantined integer NOT NULL DEFAULT 0,
      released integer NOT NULL DEFAULT 0,
      terminated integer NOT NULL DEFAULT 0,
      by_severity jsonb NOT NULL DEFAULT '{}'::jsonb,
      by_source jsonb NOT NULL DEFAULT '{}'::jsonb,
      ended_count integer NOT NULL DEFAULT 0,
      total_duration_seconds double precision NOT NULL DEFAULT 0,
      CONSTRAINT report_pkey PRIMARY KEY (id),
      CONSTRAINT report_id_check CHECK (id = 1)
    )`);

    await q.query(`CREATE TABLE ${t('projection_checkpoints')} (
      name text NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT projection_checkpoints_pkey PRIMARY KEY (name)
    )`);
    // Every projection starts at 0, so min(last_seq) (what read-your-writes waits on) is defined from the start.
    await q.query(
      `INSERT INTO ${t('projection_checkpoints')} (name, last_seq) VALUES ('agents', 0), ('quarantines', 0), ('report', 0), ('events', 0)
       ON CONFLICT (name) DO NOTHING`,
    );

    await q.query(`CREATE TABLE ${t('api_keys')} (
      name text NOT NULL,
      role text NOT NULL,
      key_hash text NOT NULL,
      prefix text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL,
      last_used_at timestamptz,
      CONSTRAINT api_keys_pkey PRIMARY KEY (name)
    )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_key ON ${t('api_keys')} (key_hash)`);

    await q.query(`CREATE TABLE ${t('idempotency_keys')} (
      actor text NOT NULL,
      key text NOT NULL,
      method text NOT NULL,
      path text NOT NULL,
      request_hash text NOT NULL,
      status integer NOT NULL,
      body jsonb,
      headers jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT idempotency_keys_pkey PRIMARY KEY (actor, key)
    )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON ${t('idempotency_keys')} (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'api_keys', 'projection_checkpoints', 'report', 'events', 'quarantines', 'agents']) {
      await q.query(`DROP TABLE IF EXISTS ${qualified(q, table)}`);
    }
  }
}
