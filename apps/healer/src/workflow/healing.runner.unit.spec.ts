import type { StoredEvent } from '@immune/contracts';
import type { EventStore } from '@immune/platform-jetstream';
import type { HealingLeases } from '../leases/healing-leases';
import { HealingRunner, type HealingRunnerDeps } from './healing.runner';

/** A runner whose agents are unknown (nothing to do): what is under test is who gets to run a loop. */
function runnerWith(acquire: (agentId: string) => Promise<boolean>) {
  const held = new Set<string>();
  const calls: string[] = [];
  const leases = {
    acquire: async (agentId: string) => {
      calls.push(agentId);
      const ok = await acquire(agentId);
      if (ok) held.add(agentId);
      return ok;
    },
    holds: (agentId: string) => held.has(agentId),
    release: async (agentId: string) => void held.delete(agentId),
    abandon: (agentId: string) => void held.delete(agentId),
  } as unknown as HealingLeases;
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const deps = {
    store: { subject: (a: string, id: string) => `${a}.${id}`, lastOfSubject: async () => null } as unknown as EventStore,
    readAgent: async (): Promise<StoredEvent[]> => [],
    leases,
    posture: () => ({ current: 'operator', baseline: 'operator', version: 0, changedAt: null }),
    fleet: () => ({}),
    policy: { autoTerminate: false },
    newId: () => 'h-1',
    log: quiet,
  } as unknown as HealingRunnerDeps;
  return { runner: new HealingRunner(deps), calls };
}

describe('HealingRunner.kick', () => {
  it('takes the lease once when two kicks for one agent arrive together, and looks again after the loop', async () => {
    const { runner, calls } = runnerWith(() => new Promise((r) => setTimeout(() => r(true), 10)));
    const [a, b] = await Promise.all([runner.kick('a-1'), runner.kick('a-1')]);
    expect([a, b]).toEqual(['started', 'running']);
    await runner.idle();
    await new Promise((r) => setTimeout(r, 30));
    await runner.idle();
    // The second kick is not lost: one more look once the first loop ended.
    expect(calls).toEqual(['a-1', 'a-1']);
  });

  it('answers busy when another instance holds the lease', async () => {
    const { runner } = runnerWith(async () => false);
    expect(await runner.kick('a-1')).toBe('busy');
    expect(runner.active).toBe(0);
  });
});
