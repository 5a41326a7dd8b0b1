import { ImmuneError, ROLES, type Role } from '@immune/contracts';
import { ApiKeyStore, hashKey, type ApiKeyRecord, type SqlRunner } from '@immune/platform-keys';

/** Who is calling: the key's name (the `actor` of what it does) and its role. */
export interface Caller {
  name: string;
  role: Role;
}

export interface CreatedKey {
  name: string;
  role: Role;
  key: string;
}

export interface BootstrapResult {
  role: Role;
  name: string;
  /** `env`: the key of IMMUNE_<ROLE>_KEY; `generated`: a new key, to print once; `kept`: it existed. */
  outcome: 'env' | 'generated' | 'kept';
  key?: string;
}

interface CacheEntry {
  caller: Caller | null;
  until: number;
}

const TOUCH_EVERY_MS = 60_000;
const MAX_CACHE = 10_000;

/**
 * Named API keys with roles (framework-free; the key primitives live in @immune/platform-keys, shared with
 * the CLI). Authentication is cached briefly per key hash so each request does not hit PostgreSQL; a key
 * deleted through this gateway stops working at once, one deleted elsewhere within `cacheTtlMs`.
 */
export class ApiKeyService {
  private readonly store: ApiKeyStore;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly sql: SqlRunner,
    schema: string,
    private readonly cacheTtlMs = 5_000,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.store = new ApiKeyStore(sql, schema);
  }

  /** Creates a key; the secret is returned once and stored only as its SHA-256. 409 KEY.ALREADY_EXISTS. */
  create(name: string, role: Role | string, createdBy: string): Promise<CreatedKey> {
    return this.store.create(name, role, createdBy);
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  /** 404 KEY.NOT_FOUND when there is no such key. */
  async delete(name: string): Promise<void> {
    await this.store.delete(name);
    this.cache.clear();
  }

  /** The caller of a bearer key, or null when the key is unknown (or deleted). */
  async authenticate(key: string): Promise<Caller | null> {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) return null;
    const digest = hashKey(key);
    const now = this.clock();
    const hit = this.cache.get(digest);
    let caller: Caller | null;
    if (hit && hit.until > now) {
      caller = hit.caller;
    } else {
      caller = await this.store.authenticate(key);
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(digest, { caller, until: now + this.cacheTtlMs });
    }
    if (caller) this.noteUse(caller.name, now);
    return caller;
  }

  /** Records `last_used_at` at most once a minute per key, off the request path. */
  private noteUse(name: string, now: number): void {
    const last = this.touched.get(name) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(name, now);
    this.store.touch(name).catch(() => this.touched.delete(name));
  }

  /**
   * One `bootstrap-<role>` key per role: IMMUNE_<ROLE>_KEY sets it (upsert); without it a random key is created
   * only when the name is free, and returned so the caller prints it once.
   */
  async bootstrap(env: NodeJS.ProcessEnv): Promise<BootstrapResult[]> {
    const out: BootstrapResult[] = [];
    for (const role of ROLES) {
      const name = `bootstrap-${role}`;
      const fromEnv = env[`IMMUNE_${role.toUpperCase()}_KEY`]?.trim();
      if (fromEnv) {
        if (fromEnv.length < 16) {
          throw new ImmuneError('VALIDATION.FAILED', 'Bootstrap key too short', `IMMUNE_${role.toUpperCase()}_KEY must be at least 16 characters.`);
        }
        await this.store.upsert(name, role, fromEnv, 'bootstrap');
        out.push({ role, name, outcome: 'env' });
        continue;
      }
      const key = await this.store.createIfMissing(name, role, 'bootstrap');
      out.push(key ? { role, name, outcome: 'generated', key } : { role, name, outcome: 'kept' });
    }
    this.cache.clear();
    return out;
  }
}

/** The lines to print for freshly generated bootstrap keys (nothing when every key already existed). */
export function bootstrapBanner(results: BootstrapResult[]): string[] {
  const fresh = results.filter((r) => r.outcome === 'generated' && r.key);
  return fresh.map((r) => `gateway: new ${r.role} API key "${r.name}" (shown only this once, store it now): ${r.key}`);
}
