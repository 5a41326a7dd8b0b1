import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { checkVital, ImmuneError, MAX_VITAL_BYTES, type Names } from '@immune/contracts';

export const MAX_VITALS_PER_REQUEST = 1000;

export interface IngestAnswer {
  accepted: number;
  rejected: { index: number; reason: string }[];
}

/**
 * `POST /vitals`: the HTTP path into the same vitals stream agents publish to, so every path feeds the same
 * telemetry and detection. Valid vitals are stored with a JetStream publish (accepted = stored); invalid ones are
 * answered with their index and reason and also published on the rejected subject, like any other bad vital.
 */
export class VitalsIngestHandler {
  private readonly js: JetStreamClient;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly clock: () => number = Date.now,
  ) {
    this.js = jetstream(nc);
  }

  async ingest(body: unknown): Promise<IngestAnswer> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new ImmuneError('VALIDATION.FAILED', 'No vitals', 'Send one vital object or an array of 1 to 1000.');
    if (items.length > MAX_VITALS_PER_REQUEST) {
      throw new ImmuneError('VALIDATION.FAILED', 'Too many vitals', `At most ${MAX_VITALS_PER_REQUEST} vitals per request (got ${items.length}).`);
    }
    const now = this.clock();
    const rejected: IngestAnswer['rejected'] = [];
    const stores: Promise<unknown>[] = [];
    items.forEach((item, index) => {
      const bytes = this.encoder.encode(JSON.stringify(item ?? null));
      const check = bytes.byteLength > MAX_VITAL_BYTES
        ? { ok: false as const, reason: `a vital must be at most ${MAX_VITAL_BYTES} bytes (got ${bytes.byteLength})` }
        : checkVital(item, null, now);
      if (!check.ok) {
        rejected.push({ index, reason: check.reason });
        const agentId = typeof (item as { agentId?: unknown } | null)?.agentId === 'string' ? (item as { agentId: string }).agentId : 'unknown';
        const notice = { reason: check.reason, subject: `http:${agentId}`, payload: Buffer.from(bytes.subarray(0, 1024)).toString('utf8') };
        this.nc.publish(this.names.rejectedVitals, this.encoder.encode(JSON.stringify(notice)));
        return;
      }
      stores.push(this.js.publish(this.names.vitals(check.vital.agentId), bytes));
    });
    try {
      await Promise.all(stores);
    } catch (e) {
      throw new ImmuneError('SERVICE.UNAVAILABLE', 'Vitals not stored', `The vitals stream did not acknowledge: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { accepted: stores.length, rejected };
  }
}
