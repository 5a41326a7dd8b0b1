/**
 * Scoring throughput of one sentinel instance through NATS, outside Jest (whose sandbox slows the scoring
 * code several times over). After `npm run build`:
 *   node -r ./tools/register-paths.cjs dist/apps/sentinel/src/sentinel.bench.js [vitals] [agents] [ownedPartitions]
 * Fills the vitals stream of a fresh namespace, gives the instance every partition (or the first N, the rest
 * leased by a phantom owner) with progress 0, and times the backlog; then times the final snapshot and a
 * restart that reloads every baseline.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import { names as namesOf } from '@immune/contracts';
import { provisionAll } from '@immune/platform-jetstream';
import { loadConfig } from '@immune/platform-runtime';
import { destroyNamespace, eventually, freshNamespace, testNats, TEST_NATS_URL } from '@immune/testing';
import { progressKey } from './baselines/baseline-store';
import { openSentinelBuckets } from './sentinel.buckets';
import { SentinelService } from './sentinel.service';

export interface SentinelBenchResult {
  vitals: number;
  agents: number;
  ownedPartitions: number;
  vitalsPerSecond: number;
  finalSnapshotSeconds: number;
  restartLoadSeconds: number;
  baselinesRestored: number;
}

export async function benchSentinel(vitals = 400_000, agents = 10_000, owned = 16): Promise<SentinelBenchResult> {
  const ns = freshNamespace('sbench');
  const names = namesOf(ns);
  const nc = await testNats();
  const quiet = { info: () => undefined, warn: () => undefined, error: (f: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(f)}\n`) };
  try {
    await provisionAll(nc, names);
    let seed = 1;
    const random = () => ((seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647);
    const bodies = Array.from({ length: agents }, (_, i) => {
      const id = `bench-${i}`;
      const j = () => 0.9 + 0.2 * random();
      const body = { agentId: id, latencyMs: Math.round(1000 * j()), inputTokens: Math.round(500 * j()), outputTokens: Math.round(200 * j()), costUsd: 0.01, toolCalls: 3, retries: 0, success: true, promptHash: 'p1', agentType: 'coder' };
      return [names.vitals(id), JSON.stringify(body)] as const;
    });
    for (let i = 0; i < vitals; i++) {
      const [subject, body] = bodies[i % agents] as readonly [string, string];
      nc.publish(subject, body);
      if (i % 5000 === 4999) await nc.flush();
    }
    await nc.flush();
    const jsm = await jetstreamManager(nc);
    await eventually(async () => (await jsm.streams.info(names.vitalsStream)).state.messages >= vitals, 120_000, 200);
    const { baselines, leases } = await openSentinelBuckets(nc, names);
    for (let p = 0; p < 16; p++) await baselines.put(progressKey(p), JSON.stringify({ lastSeq: 0, partitions: 16 }));
    for (let p = owned; p < 16; p++) await leases.put(`p${p}`, JSON.stringify({ owner: 'phantom', expiresAt: Date.now() + 3_600_000 }));

    const config = loadConfig({ IMMUNE_NAMESPACE: ns, NATS_URL: TEST_NATS_URL });
    const first = await SentinelService.start(config, quiet, new Registry(), { instanceId: 'bench-1' });
    const from = first.stats.position;
    const t0 = performance.now();
    await eventually(async () => first.stats.position >= vitals, 600_000, 5);
    const vitalsPerSecond = Math.round((vitals - from) / ((performance.now() - t0) / 1000));
    const t1 = performance.now();
    await first.stop();
    const finalSnapshotSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    const second = await SentinelService.start(config, quiet, new Registry(), { instanceId: 'bench-2' });
    await eventually(async () => second.stats.partitions.length === owned, 10_000, 5);
    const restartLoadSeconds = (performance.now() - t2) / 1000;
    const baselinesRestored = second.stats.agents;
    await second.stop();
    return { vitals, agents, ownedPartitions: owned, vitalsPerSecond, finalSnapshotSeconds, restartLoadSeconds, baselinesRestored };
  } finally {
    await nc.close();
    await destroyNamespace(ns);
  }
}

if (require.main === module) {
  const [v, a, o] = process.argv.slice(2).map(Number);
  benchSentinel(v || undefined, a || undefined, o || undefined)
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`sentinel bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
