/**
 * `npm run bench -- vitals`: every service of the control plane (built, as processes) in a fresh namespace and
 * database, on this machine's NATS and PostgreSQL.
 *
 * 1. Latency: a background load of 5,000 vitals/s from 1,000 warm agents; meanwhile, one warm probe agent at a
 *    time publishes two anomalous vitals back to back (the design needs two: a metric's deviation is the median
 *    of its last 3), and the time from the first one's publish to its `AgentQuarantined` event (seen on the
 *    event subject) is recorded. Probes rotate over six anomaly types, each type at most once per 10.8 s, so
 *    every probe is an isolated anomaly (a type shared within 10 s waits for fleet correlation, by design).
 * 2. Throughput: N vitals from M agents published as fast as this process can, measured until BOTH consumers
 *    of the stream (telemetry: validation, registration, rollups; sentinel: scoring) have handled the last one.
 * 3. Sentinel memory per agent: heap growth over the agents it holds, beside its own estimate.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { api, freePort, startStack, testNats, type ServiceName, type Stack } from '@immune/testing';
import { stats } from '../commands/command-latency.bench';

const flag = (flags: string[], name: string, fallback: number): number => {
  const raw = flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  return raw === undefined ? fallback : Number(raw);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();

function healthy(agentId: string, r: number): Uint8Array {
  const j = (k: number) => 0.9 + 0.2 * (((r * 7919 + k * 104729) % 1000) / 1000);
  return enc.encode(JSON.stringify({
    agentId,
    latencyMs: Math.round(1000 * j(1)),
    inputTokens: Math.round(500 * j(2)),
    outputTokens: Math.round(200 * j(3)),
    costUsd: Number((0.01 * j(4)).toFixed(5)),
    toolCalls: 3,
    retries: 0,
    success: true,
    promptHash: 'p1',
    agentType: 'bench',
  }));
}

/** Six spikes, each raising exactly one anomaly type (tokens given explicitly so input/output stay apart). */
const SPIKES: Array<{ type: string; vital: (agentId: string) => Record<string, unknown> }> = [
  { type: 'latency_spike', vital: (agentId) => ({ agentId, latencyMs: 20_000, inputTokens: 500, outputTokens: 200, tokens: 700, costUsd: 0.01, toolCalls: 3, retries: 0 }) },
  { type: 'tool_explosion', vital: (agentId) => ({ agentId, latencyMs: 1000, inputTokens: 500, outputTokens: 200, tokens: 700, costUsd: 0.01, toolCalls: 60, retries: 0 }) },
  { type: 'cost_spike', vital: (agentId) => ({ agentId, latencyMs: 1000, inputTokens: 500, outputTokens: 200, tokens: 700, costUsd: 0.2, toolCalls: 3, retries: 0 }) },
  { type: 'input_token_spike', vital: (agentId) => ({ agentId, latencyMs: 1000, inputTokens: 10_000, outputTokens: 200, tokens: 700, costUsd: 0.01, toolCalls: 3, retries: 0 }) },
  { type: 'output_token_spike', vital: (agentId) => ({ agentId, latencyMs: 1000, inputTokens: 500, outputTokens: 4000, tokens: 700, costUsd: 0.01, toolCalls: 3, retries: 0 }) },
  { type: 'token_spike', vital: (agentId) => ({ agentId, latencyMs: 1000, inputTokens: 500, outputTokens: 200, tokens: 14_000, costUsd: 0.01, toolCalls: 3, retries: 0 }) },
];

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    // By name, summed over labels (the gauges we read have just the `service` label).
    const i = line.lastIndexOf(' ');
    const brace = line.indexOf('{');
    const name = line.slice(0, brace >= 0 && brace < i ? brace : i);
    out.set(name, (out.get(name) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

interface CpuSnapshot {
  [process: string]: number;
}

function cpuSnapshot(stack: Stack): CpuSnapshot {
  const snap: CpuSnapshot = {};
  for (const [name, svc] of stack.services) snap[name] = cpuSeconds(svc.process.pid);
  snap['nats-server'] = pidsNamed('nats-server').reduce((a, p) => a + cpuSeconds(p), 0);
  snap['postgres'] = pidsNamed('postgres').reduce((a, p) => a + cpuSeconds(p), 0);
  snap['bench (publisher)'] = cpuSeconds(process.pid);
  return snap;
}

function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k] = Math.round(((b[k] ?? 0) - (a[k] ?? 0)) * 100) / 100;
  return out;
}

async function streamEnd(nc: NatsConnection, names: Names): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(names.vitalsStream)).state.last_seq;
}

/** Both consumers of the vitals stream have handled everything up to `seq`: telemetry acked it, the sentinel scored it. */
async function consumersAt(nc: NatsConnection, names: Names, sentinelPort: number): Promise<{ telemetry: number; sentinel: number }> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.info(names.vitalsStream, 'telemetry-vitals');
  const m = await scrape(sentinelPort);
  return { telemetry: info.ack_floor.stream_seq, sentinel: m.get('immune_sentinel_stream_position') ?? 0 };
}

async function waitConsumers(nc: NatsConnection, names: Names, sentinelPort: number, seq: number, timeoutMs: number): Promise<{ telemetryAt: number; sentinelAt: number }> {
  const deadline = performance.now() + timeoutMs;
  let telemetryAt = 0;
  let sentinelAt = 0;
  for (;;) {
    const at = await consumersAt(nc, names, sentinelPort);
    const now = performance.now();
    if (telemetryAt === 0 && at.telemetry >= seq) telemetryAt = now;
    if (sentinelAt === 0 && at.sentinel >= seq) sentinelAt = now;
    if (telemetryAt > 0 && sentinelAt > 0) return { telemetryAt, sentinelAt };
    if (now > deadline) throw new Error(`consumers did not reach ${seq} in ${timeoutMs} ms (telemetry ${at.telemetry}, sentinel ${at.sentinel})`);
    await sleep(20);
  }
}

/** Publishes `rounds` healthy vitals per agent, flushing every `chunk` messages. */
async function publishRounds(nc: NatsConnection, names: Names, agents: readonly string[], rounds: number, chunk = 5000): Promise<number> {
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const id of agents) {
      nc.publish(names.vitals(id), healthy(id, r + n));
      if (++n % chunk === 0) await nc.flush();
    }
  }
  await nc.flush();
  return n;
}

export async function benchVitals(flags: string[]): Promise<Record<string, unknown>> {
  const bgAgents = flag(flags, 'background-agents', 1000);
  const bgRate = flag(flags, 'background-rate', 5000);
  const probes = flag(flags, 'probes', 60);
  const probeEveryMs = flag(flags, 'probe-every-ms', 1800);
  const tpAgents = flag(flags, 'agents', 10_000);
  const tpVitals = flag(flags, 'vitals', 600_000);

  const sentinelPort = await freePort();
  const telemetryPort = await freePort();
  const services: ServiceName[] = ['quarantine', 'projector', 'telemetry', 'sentinel', 'gateway'];
  const stack = await startStack(services, { SENTINEL_METRICS_PORT: String(sentinelPort), TELEMETRY_METRICS_PORT: String(telemetryPort) });
  const names = namesOf(stack.env.namespace);
  const nc = await testNats();
  const watcher = await testNats();
  try {
    const memBefore = await scrape(sentinelPort);

    // ---- 1. latency under background load -------------------------------------------------------------
    const bg = Array.from({ length: bgAgents }, (_, i) => `bg-${i}`);
    const probeIds = Array.from({ length: probes }, (_, i) => `probe-${i}`);
    process.stdout.write(`vitals: warming ${bg.length + probeIds.length} agents (40 vitals each)…\n`);
    await publishRounds(nc, names, [...bg, ...probeIds], 40);
    await waitConsumers(nc, names, sentinelPort, await streamEnd(nc, names), 120_000);

    const quarantinedAt = new Map<string, number>();
    const sub = watcher.subscribe(`${names.ns}.events.agent.*`, {
      callback: (_err, msg) => {
        const now = performance.now();
        const agentId = msg.subject.slice(`${names.ns}.events.agent.`.length);
        if (!agentId.startsWith('probe-') || quarantinedAt.has(agentId)) return;
        try {
          if (msg.json<{ type?: string }>().type === 'AgentQuarantined') quarantinedAt.set(agentId, now);
        } catch {
          // not an envelope
        }
      },
    });
    // A copy of every command (the quarantine service answers them): when the sentinel's ReportInfection left.
    const reportedAt = new Map<string, number>();
    const commandSub = watcher.subscribe(names.agentCommands, {
      callback: (_err, msg) => {
        const now = performance.now();
        try {
          const r = msg.json<{ agentId?: string; command?: { type?: string } }>();
          if (r.command?.type === 'ReportInfection' && typeof r.agentId === 'string' && !reportedAt.has(r.agentId)) reportedAt.set(r.agentId, now);
        } catch {
          // not ours
        }
      },
    });
    await watcher.flush();

    let bgSent = 0;
    let bgRound = 0;
    const bgStart = performance.now();
    const bgTimer = setInterval(() => {
      const due = Math.floor(((performance.now() - bgStart) * bgRate) / 1000) - bgSent;
      for (let i = 0; i < due; i++) {
        const id = bg[bgSent % bg.length] as string;
        if (bgSent % bg.length === 0) bgRound++;
        nc.publish(names.vitals(id), healthy(id, 1000 + bgRound));
        bgSent++;
      }
    }, 5);
    await sleep(3000); // the load is steady before the first probe
    const publishedAt = new Map<string, number>();
    const probeTypes = new Map<string, string>();
    process.stdout.write(`vitals: ${probes} probes, one every ${probeEveryMs} ms, under ${bgRate} vitals/s from ${bgAgents} agents…\n`);
    for (let i = 0; i < probes; i++) {
      const id = probeIds[i] as string;
      const spike = SPIKES[i % SPIKES.length]!;
      const body = enc.encode(JSON.stringify(spike.vital(id)));
      publishedAt.set(id, performance.now());
      probeTypes.set(id, spike.type);
      nc.publish(names.vitals(id), body);
      nc.publish(names.vitals(id), body);
      await sleep(probeEveryMs);
    }
    await sleep(2000);
    clearInterval(bgTimer);
    const bgSeconds = (performance.now() - bgStart) / 1000;
    sub.unsubscribe();
    commandSub.unsubscribe();

    const latencies: number[] = [];
    const missed: string[] = [];
    const toReport: number[] = [];
    const byType: Record<string, number[]> = {};
    for (const [id, t0] of publishedAt) {
      const t1 = quarantinedAt.get(id);
      if (t1 === undefined) {
        missed.push(`${id} (${probeTypes.get(id)})`);
        continue;
      }
      latencies.push(t1 - t0);
      const tr = reportedAt.get(id);
      if (tr !== undefined) toReport.push(tr - t0);
      (byType[probeTypes.get(id) ?? '?'] ??= []).push(t1 - t0);
    }
    const latency = {
      backgroundVitalsPerSecond: Math.round(bgSent / bgSeconds),
      backgroundAgents: bgAgents,
      probes,
      quarantined: latencies.length,
      missed,
      isolatedInfections: (await scrape(sentinelPort)).get('immune_sentinel_infections_isolated') ?? null,
      publishToAgentQuarantinedMs: stats(latencies),
      /** Of it, publish → the sentinel's ReportInfection command (the rest is the quarantine service's decide + append). */
      publishToReportInfectionMs: stats(toReport),
      allMs: latencies.map((x) => Math.round(x * 10) / 10),
      p99ByType: Object.fromEntries(Object.entries(byType).map(([t, xs]) => [t, stats(xs).p99])),
    };
    process.stdout.write(
      `vitals: publish → AgentQuarantined p50 ${latency.publishToAgentQuarantinedMs.p50} ms, p99 ${latency.publishToAgentQuarantinedMs.p99} ms, ` +
        `max ${latency.publishToAgentQuarantinedMs.max} ms; to ReportInfection p50 ${latency.publishToReportInfectionMs.p50} p99 ${latency.publishToReportInfectionMs.p99} ms (n=${latencies.length}, missed ${missed.length}) under ${latency.backgroundVitalsPerSecond} vitals/s\n`,
    );
    await waitConsumers(nc, names, sentinelPort, await streamEnd(nc, names), 60_000);
    if (flags.includes('--latency-only')) {
      const text = await (await fetch(`http://127.0.0.1:${sentinelPort}/metrics`)).text();
      process.stdout.write(`${text.split('\n').filter((l) => l.startsWith('immune_sentinel_scoring_batch_seconds') || l.startsWith('nodejs_gc_duration_seconds')).join('\n')}\n`);
      return { latency };
    }

    // ---- 2. throughput -----------------------------------------------------------------------------------
    const tp = Array.from({ length: tpAgents }, (_, i) => `tp-${i}`);
    process.stdout.write(`vitals: registering ${tpAgents} agents…\n`);
    await publishRounds(nc, names, tp, 1);
    await waitConsumers(nc, names, sentinelPort, await streamEnd(nc, names), 180_000);
    // Registration's aftermath (status KV writes, projections) settles before the clock starts.
    const expected = bgAgents + probes + tpAgents;
    const deadline = performance.now() + 180_000;
    while (((await api(stack, 'GET', '/api/v1/agents?limit=1', { key: stack.keys.viewer })).body as { total?: number }).total !== expected) {
      if (performance.now() > deadline) throw new Error(`the agents read model did not reach ${expected} agents`);
      await sleep(200);
    }
    // …and the quarantine service has written every agent's status (KV) — its registration work is over.
    const jsm = await jetstreamManager(nc);
    while ((await jsm.streams.info(`KV_${names.statusBucket}`)).state.messages < expected) {
      if (performance.now() > deadline) throw new Error(`the status bucket did not reach ${expected} agents`);
      await sleep(200);
    }
    await sleep(2000);
    const rounds = Math.max(1, Math.round(tpVitals / tpAgents));
    // Payloads built before the clock starts: the publisher should cost as little as possible.
    const variants = 4;
    const payloads = tp.map((id) => Array.from({ length: variants }, (_, v) => healthy(id, 5000 + v)));
    const subjects = tp.map((id) => names.vitals(id));
    process.stdout.write(`vitals: throughput, ${rounds * tpAgents} vitals from ${tpAgents} agents…\n`);
    const infections0 = (await scrape(sentinelPort)).get('immune_sentinel_infections_sent_total') ?? 0;
    const cpu0 = cpuSnapshot(stack);
    const t0 = performance.now();
    let sent = 0;
    for (let r = 0; r < rounds; r++) {
      for (let a = 0; a < tpAgents; a++) {
        nc.publish(subjects[a] as string, (payloads[a] as Uint8Array[])[r % variants] as Uint8Array);
        if (++sent % 2000 === 0) await nc.flush();
      }
    }
    await nc.flush();
    const published = performance.now();
    const end = await streamEnd(nc, names);
    const done = await waitConsumers(nc, names, sentinelPort, end, 600_000);
    const cpu1 = cpuSnapshot(stack);
    const seconds = (Math.max(done.telemetryAt, done.sentinelAt) - t0) / 1000;
    const throughput = {
      vitals: sent,
      agents: tpAgents,
      publishSeconds: Math.round((published - t0) / 10) / 100,
      publishedPerSecond: Math.round(sent / ((published - t0) / 1000)),
      telemetryDoneSeconds: Math.round((done.telemetryAt - t0) / 10) / 100,
      sentinelDoneSeconds: Math.round((done.sentinelAt - t0) / 10) / 100,
      endToEndVitalsPerSecond: Math.round(sent / seconds),
      telemetryVitalsPerSecond: Math.round(sent / ((done.telemetryAt - t0) / 1000)),
      sentinelVitalsPerSecond: Math.round(sent / ((done.sentinelAt - t0) / 1000)),
      cpuSeconds: cpuDelta(cpu0, cpu1),
      /** Infections the sentinel sent during the run (the throughput fleet is healthy: ideally 0). */
      infectionsDuringRun: ((await scrape(sentinelPort)).get('immune_sentinel_infections_sent_total') ?? 0) - infections0,
    };
    process.stdout.write(
      `vitals: ${throughput.endToEndVitalsPerSecond} vitals/s end to end (telemetry ${throughput.telemetryVitalsPerSecond}/s, sentinel ${throughput.sentinelVitalsPerSecond}/s, published ${throughput.publishedPerSecond}/s); ` +
        `CPU s ${JSON.stringify(throughput.cpuSeconds)}\n`,
    );

    // ---- 3. sentinel memory per agent --------------------------------------------------------------------
    await sleep(2000);
    const heapSamples: number[] = [];
    let after = await scrape(sentinelPort);
    for (let i = 0; i < 5; i++) {
      after = await scrape(sentinelPort);
      heapSamples.push(after.get('nodejs_heap_size_used_bytes') ?? 0);
      await sleep(400);
    }
    const agentsHeld = (after.get('immune_sentinel_agents') ?? 0) - (memBefore.get('immune_sentinel_agents') ?? 0);
    const heapGrowth = Math.min(...heapSamples) - (memBefore.get('nodejs_heap_size_used_bytes') ?? 0);
    const memory = {
      agents: after.get('immune_sentinel_agents') ?? 0,
      heapUsedBytes: Math.min(...heapSamples),
      rssBytes: after.get('process_resident_memory_bytes') ?? 0,
      heapGrowthPerAgentBytes: agentsHeld > 0 ? Math.round(heapGrowth / agentsHeld) : null,
      estimatedBytesPerAgent: after.get('immune_sentinel_agent_bytes') ?? null,
    };
    process.stdout.write(
      `vitals: sentinel holds ${memory.agents} agents, heap ${Math.round(memory.heapUsedBytes / 2 ** 20)} MiB, ` +
        `~${memory.heapGrowthPerAgentBytes} B/agent measured (estimate ${memory.estimatedBytesPerAgent} B), RSS ${Math.round(memory.rssBytes / 2 ** 20)} MiB\n`,
    );
    return { latency, throughput, memory };
  } finally {
    await nc.close().catch(() => undefined);
    await watcher.close().catch(() => undefined);
    await stack.stop();
  }
}
