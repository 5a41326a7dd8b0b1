import { names as namesOf } from '@immune/contracts';
import { partitionOf } from '@immune/platform-partitions';
import { DetectionSettingsCache } from '../config/detection-settings';
import type { AgentState } from './agent-state';
import { VitalsScorer, type VitalMessage } from './vitals-scorer';

const names = namesOf('u');
const P = 4;

function message(agentId: string, seq: number, body: Record<string, unknown> | string): VitalMessage {
  const text = typeof body === 'string' ? body : JSON.stringify({ agentId, inputTokens: 100, outputTokens: 50, toolCalls: 2, retries: 0, ...body });
  return { subject: names.vitals(agentId), seq, data: Buffer.from(text), info: { timestampNanos: Date.now() * 1e6 } };
}

/** Two agents in different partitions, and a third in a partition of its own. */
function agentsIn(count: number): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const id = `a${i}`;
    if (seen.has(partitionOf(id, P))) continue;
    seen.add(partitionOf(id, P));
    out.push(id);
  }
  return out;
}

describe('VitalsScorer', () => {
  const [mine, other, third] = agentsIn(3) as [string, string, string];
  let scorer: VitalsScorer;
  let infections: Array<{ agent: AgentState; deviation: number }>;
  let anomalies: string[];
  const quarantined = new Set<string>();

  beforeEach(() => {
    infections = [];
    anomalies = [];
    quarantined.clear();
    scorer = new VitalsScorer(names, P, new DetectionSettingsCache(), quarantined, {
      anomaly: (agent, type) => anomalies.push(`${agent.agentId}:${type}`),
      infection: (agent, infection) => infections.push({ agent, deviation: infection.deviation }),
    });
    scorer.own(partitionOf(mine, P), 0);
  });

  const feed = (agentId: string, from: number, count: number, latencyMs = 1000): number => {
    for (let i = 0; i < count; i++) scorer.handle(message(agentId, from + i, { latencyMs: latencyMs + (i % 5) * 20 }));
    return from + count;
  };

  it('skips vitals of partitions it does not own without parsing them', () => {
    scorer.handle(message(other, 1, '{not json'));
    expect(scorer).toMatchObject({ skippedNotOwned: 1, invalid: 0, scored: 0, position: 1 });
    expect(scorer.agents.size).toBe(0);
  });

  it('scores owned vitals, counts invalid ones, and skips what it already scored', () => {
    feed(mine, 1, 3);
    scorer.handle(message(mine, 4, { latencyMs: -1 }));
    expect(scorer).toMatchObject({ scored: 3, invalid: 1 });
    scorer.handle(message(mine, 2, { latencyMs: 1000 }));
    expect(scorer).toMatchObject({ scored: 3, skippedReplayed: 1 });
    expect(scorer.agents.get(mine)?.lastSeq).toBe(3);
  });

  it('does not score a new agent of a partition at or below the partition floor', () => {
    scorer.own(partitionOf(third, P), 10);
    scorer.handle(message(third, 10, { latencyMs: 1000 }));
    scorer.handle(message(third, 11, { latencyMs: 1000 }));
    expect(scorer).toMatchObject({ skippedReplayed: 1, scored: 1 });
  });

  it('reports one infection for a sustained spike, then holds the agent: no second one, no learning', () => {
    let seq = feed(mine, 1, 40);
    seq = feed(mine, seq, 3, 5000);
    expect(infections).toHaveLength(1);
    expect(infections[0]!.deviation).toBeGreaterThanOrEqual(6);
    expect(anomalies).toContain(`${mine}:latency_spike`);
    const a = scorer.agents.get(mine)!;
    expect(a.held).toBe(true);
    const samples = a.baseline.s[0];
    feed(mine, seq, 10, 5000);
    expect(infections).toHaveLength(1);
    expect(a.baseline.s[0]).toBe(samples);
  });

  it('neither learns from nor reports an agent the status KV has quarantined', () => {
    const seq = feed(mine, 1, 40);
    quarantined.add(mine);
    scorer.agents.get(mine)!.quarantined = true;
    const samples = scorer.agents.get(mine)!.baseline.s[0];
    feed(mine, seq, 10, 5000);
    expect(infections).toHaveLength(0);
    expect(anomalies).toHaveLength(0);
    expect(scorer.agents.get(mine)!.baseline.s[0]).toBe(samples);
  });

  it('stops scoring at once when a partition is disowned, and forgets its agents', () => {
    feed(mine, 1, 2);
    scorer.disown([partitionOf(mine, P)]);
    scorer.handle(message(mine, 3, { latencyMs: 1000 }));
    expect(scorer).toMatchObject({ scored: 2, skippedNotOwned: 1 });
    scorer.forget([partitionOf(mine, P)]);
    expect(scorer.agents.size).toBe(0);
  });
});
