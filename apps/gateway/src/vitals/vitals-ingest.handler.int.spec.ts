import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { isImmuneError, names as namesOf, type Names, type RejectedVital } from '@immune/contracts';
import { provisionAll, readStreamRaw } from '@immune/platform-jetstream';
import { jetstream } from '@nats-io/jetstream';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { VitalsIngestHandler } from './vitals-ingest.handler';

describe('VitalsIngestHandler on the real vitals stream', () => {
  let nc: NatsConnection;
  let names: Names;
  let ns: string;
  const rejected: RejectedVital[] = [];
  const vital = (agentId: string, extra: Record<string, unknown> = {}) => ({ agentId, latencyMs: 10, inputTokens: 1, outputTokens: 2, toolCalls: 0, retries: 0, ...extra });

  beforeAll(async () => {
    ns = freshNamespace('vi');
    names = namesOf(ns);
    nc = await testNats();
    await provisionAll(nc, names);
    nc.subscribe(names.rejectedVitals, { callback: (_e, m) => void rejected.push(m.json<RejectedVital>()) });
  });
  afterAll(async () => {
    await nc.close();
    await destroyNamespace(ns);
  });

  it('stores the valid vitals of a batch and answers the invalid ones by index, publishing them as rejected', async () => {
    const handler = new VitalsIngestHandler(nc, names);
    const answer = await handler.ingest([vital('h1'), vital('h2', { latencyMs: -1 }), 'nope', vital('h1', { costUsd: 0.5 })]);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected).toEqual([
      { index: 1, reason: expect.stringContaining('latencyMs') },
      { index: 2, reason: 'a vital must be a JSON object' },
    ]);
    const jsm = await jetstreamManager(nc);
    const stored: string[] = [];
    for await (const m of readStreamRaw(jetstream(nc), jsm, names.vitalsStream, {})) stored.push(`${m.subject} ${Buffer.from(m.data).toString()}`);
    expect(stored).toEqual([
      `${names.vitals('h1')} ${JSON.stringify(vital('h1'))}`,
      `${names.vitals('h1')} ${JSON.stringify(vital('h1', { costUsd: 0.5 }))}`,
    ]);
    await eventually(async () => rejected.length >= 2);
    expect(rejected.map((r) => r.subject).sort()).toEqual(['http:h2', 'http:unknown']);
  });

  it('accepts a single object and refuses an empty or oversized batch with VALIDATION.FAILED', async () => {
    const handler = new VitalsIngestHandler(nc, names);
    expect(await handler.ingest(vital('solo'))).toEqual({ accepted: 1, rejected: [] });
    for (const body of [[], Array.from({ length: 1001 }, () => vital('many'))]) {
      const error = await handler.ingest(body).catch((e: unknown) => e);
      expect(isImmuneError(error) && error.code).toBe('VALIDATION.FAILED');
    }
  });
});
