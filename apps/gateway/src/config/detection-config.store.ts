import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  DETECTION_CONFIG_KEY,
  ImmuneError,
  type ConfigView,
  type DetectionThresholds,
  type Names,
  type StoredDetectionSettings,
} from '@immune/contracts';
import {
  DEFAULT_DETECTION_CONFIG,
  parseDetectionSettings,
  resolveDetectionConfig,
  type DetectionConfig,
  type DetectionSettings,
} from '@immune/domain-detection';
import { openConfigBucket } from '@immune/platform-jetstream';

const WRONG_LAST_SEQUENCE = 10071;
const MAX_REASON = 2000;

export interface PutDetectionConfig {
  body: unknown;
  actor: string;
  /** If-Match: the revision the change is based on (0 = never set). */
  expectedRevision?: number;
  now: Date;
}

/**
 * The detection settings in the config bucket (`{ns}_config`, key `detection`), framework-free. The gateway is
 * their only writer; the sentinels watch the key and apply each revision. Reads go to the bucket itself (a
 * direct get from its stream), so a `PUT` is visible to the next `GET` at once (read-your-writes). Validation is
 * the detection domain's `parseDetectionSettings`, the same the sentinel applies, so nothing the gateway
 * accepts is ignored by a sentinel.
 */
export class DetectionConfigStore {
  private kv: Promise<KV> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
  ) {}

  async get(): Promise<ConfigView> {
    const kv = await this.bucket();
    const entry = await kv.get(DETECTION_CONFIG_KEY);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return { detection: view({}, 0, null) };
    let stored: Partial<StoredDetectionSettings> = {};
    let settings: DetectionSettings = {};
    try {
      stored = entry.json<Partial<StoredDetectionSettings>>();
      const checked = parseDetectionSettings(stored, { allowMetadata: true });
      // Written by hand and invalid: the sentinels ignore it, so the defaults apply; say so.
      if (checked.ok) settings = checked.settings;
      else stored = { reason: `ignored (invalid: ${checked.reason})` };
    } catch {
      stored = { reason: 'ignored (not JSON)' };
    }
    return { detection: view(settings, entry.revision, stored) };
  }

  /** Replaces the detection settings; answers the new configuration (as the next GET shows it). */
  async put(cmd: PutDetectionConfig): Promise<ConfigView> {
    const body = cmd.body;
    let reason: string | undefined;
    let settingsBody: unknown = body;
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'reason' in body) {
      const { reason: r, ...rest } = body as Record<string, unknown>;
      if (typeof r !== 'string' || r.length > MAX_REASON) throw invalid('reason', `reason must be a string of at most ${MAX_REASON} characters`);
      reason = r;
      settingsBody = rest;
    }
    const checked = parseDetectionSettings(settingsBody);
    if (!checked.ok) throw invalid(checked.field || 'body', checked.reason);
    const stored: StoredDetectionSettings = {
      ...(checked.settings.fleet ? { fleet: thresholds(checked.settings.fleet) } : {}),
      ...(checked.settings.agentTypes
        ? { agentTypes: Object.fromEntries(Object.entries(checked.settings.agentTypes).map(([t, c]) => [t, thresholds(c)])) }
        : {}),
      updatedAt: cmd.now.toISOString(),
      updatedBy: cmd.actor,
      ...(reason !== undefined ? { reason } : {}),
    };
    const kv = await this.bucket();
    const value = JSON.stringify(stored);
    let revision: number;
    try {
      revision =
        cmd.expectedRevision === undefined
          ? await kv.put(DETECTION_CONFIG_KEY, value)
          : cmd.expectedRevision === 0
            ? await kv.create(DETECTION_CONFIG_KEY, value)
            : await kv.update(DETECTION_CONFIG_KEY, value, cmd.expectedRevision);
    } catch (e) {
      if ((e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) || /wrong last sequence|key exists/i.test(e instanceof Error ? e.message : '')) {
        const current = (await kv.get(DETECTION_CONFIG_KEY))?.revision ?? 0;
        throw new ImmuneError(
          'CONFIG.VERSION_MISMATCH',
          'Precondition failed',
          `The detection settings are at revision ${current}, not ${cmd.expectedRevision}: reload them and try again.`,
          { version: current },
        );
      }
      throw e;
    }
    return { detection: view(checked.settings, revision, stored) };
  }

  private bucket(): Promise<KV> {
    if (!this.kv) {
      this.kv = openConfigBucket(this.nc, this.names);
      this.kv.catch(() => (this.kv = null));
    }
    return this.kv;
  }
}

function invalid(field: string, detail: string): ImmuneError {
  return new ImmuneError('CONFIG.INVALID', 'Invalid configuration', detail, { field, errors: [{ field, messages: [detail] }] });
}

function view(settings: DetectionSettings, revision: number, stored: Partial<StoredDetectionSettings> | null): ConfigView['detection'] {
  const agentTypes: Record<string, DetectionThresholds> = {};
  for (const type of Object.keys(settings.agentTypes ?? {})) agentTypes[type] = thresholds(resolveDetectionConfig(settings, type));
  return {
    defaults: thresholds(DEFAULT_DETECTION_CONFIG),
    fleet: thresholds(settings.fleet ?? {}),
    agentTypes: Object.fromEntries(Object.entries(settings.agentTypes ?? {}).map(([t, c]) => [t, thresholds(c)])),
    effective: { fleet: thresholds(resolveDetectionConfig(settings, null)), agentTypes },
    revision,
    updatedAt: typeof stored?.updatedAt === 'string' ? stored.updatedAt : null,
    updatedBy: typeof stored?.updatedBy === 'string' ? stored.updatedBy : null,
    reason: typeof stored?.reason === 'string' ? stored.reason : null,
  };
}

function thresholds(config: Readonly<Partial<DetectionConfig>>): DetectionThresholds {
  return { ...(config as Readonly<Record<string, number | boolean>>) };
}
