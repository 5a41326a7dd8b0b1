import type { Vital } from '@immune/contracts';
import { RecentVitals } from './recent-vitals';

const vital = (agentId: string, ts: number): Vital => ({
  agentId, ts, latencyMs: 1, inputTokens: 1, outputTokens: 1, tokens: 2, costUsd: 0, toolCalls: 0, retries: 0, success: true,
  errorType: null, promptHash: null, model: null, agentType: null, mcpServers: [],
});

describe('RecentVitals', () => {
  it('keeps the newest vitals of each agent, newest last, up to the ring size', () => {
    const recent = new RecentVitals(3);
    for (let i = 1; i <= 5; i++) recent.add(vital('a', i));
    recent.add(vital('b', 10));
    expect(recent.of('a').map((v) => v.ts)).toEqual([3, 4, 5]);
    expect(recent.of('b').map((v) => v.ts)).toEqual([10]);
    expect(recent.of('nobody')).toEqual([]);
  });

  it('drops the agent heard from least recently when it holds too many', () => {
    const recent = new RecentVitals(2, 2);
    recent.add(vital('a', 1));
    recent.add(vital('b', 2));
    recent.add(vital('a', 3)); // a is now the most recent
    recent.add(vital('c', 4)); // b goes
    expect(recent.agents).toBe(2);
    expect(recent.of('b')).toEqual([]);
    expect(recent.of('a').map((v) => v.ts)).toEqual([1, 3]);
    expect(recent.of('c').map((v) => v.ts)).toEqual([4]);
  });
});
