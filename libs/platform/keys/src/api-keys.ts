import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ImmuneError, ROLES, type Role } from '@immune/contracts';

/** The small surface of a SQL client we need (a pg Pool/Client, or a TypeORM DataSource via adapter). */
export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface ApiKeyRecord {
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const KEY_NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `imk_<role>_<32 base62 characters>`: ~190 bits of randomness, recognisable in logs and secret scanners. */
export function generateKey(role: Role): string {
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `imk_${role}_${out}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function table(schema: string): string {
  return `"${schema.replace(/"/g, '""')}".api_keys`;
}

function assertNameAndRole(name: string, role: string): asserts role is Role {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new ImmuneError('VALIDATION.FAILED', 'Invalid key name', 'name must be 1-64 characters of A-Z a-z 0-9 _ . @ -');
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ImmuneError('VALIDATION.FAILED', 'Invalid role', `role must be one of ${ROLES.join(', ')}`);
  }
}

export class ApiKeyStore {
  constructor(
    private readonly sql: SqlRunner,
    private readonly schema: string,
  ) {}

  /** Creates a named key and returns it; the key itself is never stored, only its hash. */
  async create(name: string, role: string, createdBy: string, key?: string): Promise<{ name: string; role: Role; key: string }> {
    assertNameAndRole(name, role);
    const secret = key ?? generateKey(role);
    const rows = await this.sql.query(
      `INSERT INTO ${table(this.schema)} (name, role, key_hash, prefix, created_at, created_by)
       VALUES ($1, $2, $3, $4, now(), $5) ON CONFLICT (name) DO NOTHING RETURNING name`,
      [name, role, hashKey(secret), secret.slice(0, 12), createdBy],
    );
    if (rows.length === 0) throw new ImmuneError('KEY.ALREADY_EXISTS', 'Key exists', `A key named "${name}" already exists.`);
    return { name, role, key: secret };
  }

  /** Makes a bootstrap key hold exactly this secret (an operator set it in the environment). */
  async upsert(name: string, role: Role, key: string, createdBy: string): Promise<void> {
    assertNameAndRole(name, role);
    await this.sql.query(
      `INSERT INTO ${table(this.schema)} (name, role, key_hash, prefix, created_at, created_by)
       VALUES ($1, $2, $3, $4, now(), $5)
       ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, key_hash = EXCLUDED.key_hash, prefix = EXCLUDED.prefix`,
      [name, role, hashKey(key), key.slice(0, 12), createdBy],
    );
  }

  /** Creates the key only when the name is free; returns the key when it was created, else null. */
  async createIfMissing(name: string, role: Role, createdBy: string): Promise<string | null> {
    const key = generateKey(role);
    const rows = await this.sql.query(
      `INSERT INTO ${table(this.schema)} (name, role, key_hash, prefix, created_at, created_by)
       VALUES ($1, $2, $3, $4, now(), $5) ON CONFLICT (name) DO NOTHING RETURNING name`,
      [name, role, hashKey(key), key.slice(0, 12), createdBy],
    );
    return rows.length > 0 ? key : null;
  }

  /** The key's name and role, or null. The lookup is by hash; the final comparison is constant-time. */
  async authenticate(key: string): Promise<{ name: string; role: Role } | null> {
    if (typeof key !== 'string' || key.length < 8 || key.length > 512) return null;
    const digest = hashKey(key);
    const rows = await this.sql.query<{ name: string; role: Role; key_hash: string }>(
      `SELECT name, role, key_hash FROM ${table(this.schema)} WHERE key_hash = $1`,
      [digest],
    );
    const row = rows[0];
    if (!row || !sameHash(row.key_hash, digest)) return null;
    return { name: row.name, role: row.role };
  }

  async touch(name: string): Promise<void> {
    await this.sql.query(`UPDATE ${table(this.schema)} SET last_used_at = now() WHERE name = $1`, [name]);
  }

  async delete(name: string): Promise<void> {
    const rows = await this.sql.query(`DELETE FROM ${table(this.schema)} WHERE name = $1 RETURNING name`, [name]);
    if (rows.length === 0) throw new ImmuneError('KEY.NOT_FOUND', 'No such key', `There is no key named "${name}".`);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.query<{ name: string; role: Role; prefix: string; created_at: Date; created_by: string; last_used_at: Date | null }>(
      `SELECT name, role, prefix, created_at, created_by, last_used_at FROM ${table(this.schema)} ORDER BY name`,
    );
    return rows.map((r) => ({
      name: r.name,
      role: r.role,
      prefix: r.prefix,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: r.created_by,
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    }));
  }
}
