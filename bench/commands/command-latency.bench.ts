/**
 * Command latency through the gateway: quarantine + release of registered agents, measured from the HTTP request
 * to its answer (which waits for the read models: read-your-writes), sequentially and with concurrent clients.
 */
import { names as namesOf } from '@immune/contracts';
import { api, startStack, testNats } from '@immune/testing';

export interface LatencyStats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function stats(samples: number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(s[s.length - 1] ?? 0), mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

export async function benchCommandLatency(flags: string[]): Promise<Record<string, unknown>> {
  const agents = Number(flags.find((f) => f.startsWith('--agents='))?.split('=')[1] ?? 300);
  const concurrency = Number(flags.find((f) => f.startsWith('--concurrency='))?.split('=')[1] ?? 16);
  const stack = await startStack(['quarantine', 'projector', 'gateway']);
  try {
    const names = namesOf(stack.env.namespace);
    const nc = await testNats();
    for (let i = 0; i < agents; i++) {
      await nc.request(names.agentCommands, JSON.stringify({ commandId: `reg-${i}`, agentId: `bench-${i}`, actor: 'bench', command: { type: 'RegisterAgent' } }), { timeout: 5000 });
    }
    await nc.close();
    const key = stack.keys.operator;
    const cycle = async (agentId: string, q: number[], r: number[]) => {
      let t = performance.now();
      const a = await api(stack, 'POST', `/api/v1/agents/${agentId}/quarantine`, { key, body: { reason: 'bench' } });
      q.push(performance.now() - t);
      if (a.status !== 201) throw new Error(`quarantine answered ${a.status}: ${JSON.stringify(a.body)}`);
      t = performance.now();
      const b = await api(stack, 'POST', `/api/v1/agents/${agentId}/release`, { key, body: { resolution: 'bench' } });
      r.push(performance.now() - t);
      if (b.status !== 200) throw new Error(`release answered ${b.status}: ${JSON.stringify(b.body)}`);
    };
    // warm-up
    await cycle('bench-0', [], []);

    const seqQ: number[] = [];
    const seqR: number[] = [];
    for (let i = 1; i < agents; i++) await cycle(`bench-${i}`, seqQ, seqR);

    const parQ: number[] = [];
    const parR: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < agents) await cycle(`bench-${next++}`, parQ, parR);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const result = {
      agents,
      sequential: { quarantine: stats(seqQ), release: stats(seqR), both: stats(seqQ.map((q, i) => q + (seqR[i] ?? 0))) },
      concurrent: { clients: concurrency, quarantine: stats(parQ), release: stats(parR), commandsPerSecond: Math.round((parQ.length + parR.length) / seconds) },
    };
    process.stdout.write(
      `commands: sequential quarantine p50 ${result.sequential.quarantine.p50} ms p99 ${result.sequential.quarantine.p99} ms; ` +
        `release p50 ${result.sequential.release.p50} ms p99 ${result.sequential.release.p99} ms; ` +
        `${concurrency} clients: ${result.concurrent.commandsPerSecond} commands/s, quarantine p99 ${result.concurrent.quarantine.p99} ms\n`,
    );
    return result;
  } finally {
    await stack.stop();
  }
}
