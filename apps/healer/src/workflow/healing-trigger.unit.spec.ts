import { handleTrigger } from './healing-trigger';

describe('handleTrigger', () => {
  const runner = (outcome: 'started' | 'running' | 'busy' | 'stopped') => {
    const kicked: string[] = [];
    return { kicked, kick: async (agentId: string) => (kicked.push(agentId), outcome) };
  };

  it('kicks the runner on a trigger and lets the message be acked once a loop has it', async () => {
    for (const outcome of ['started', 'running', 'busy'] as const) {
      const r = runner(outcome);
      await expect(handleTrigger(r, { aggregate: 'agent', aggregateId: 'a-1', type: 'AgentQuarantined' })).resolves.toBeUndefined();
      expect(r.kicked).toEqual(['a-1']);
    }
  });

  it('ignores events that trigger nothing', async () => {
    const r = runner('started');
    await handleTrigger(r, { aggregate: 'agent', aggregateId: 'a-1', type: 'QuarantineNoteAdded' });
    await handleTrigger(r, { aggregate: 'escalation', aggregateId: 'e-1', type: 'HealingRequested' });
    expect(r.kicked).toEqual([]);
  });

  it('refuses (nak) a trigger that reaches a stopping healer, so it is redelivered instead of acked and lost', async () => {
    await expect(handleTrigger(runner('stopped'), { aggregate: 'agent', aggregateId: 'a-1', type: 'HealingApproved' })).rejects.toThrow(/left for the next healer/);
  });
});
