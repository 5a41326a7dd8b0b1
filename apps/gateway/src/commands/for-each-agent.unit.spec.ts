import { ImmuneError } from '@immune/contracts';
import { forEachAgent } from './for-each-agent';

describe('forEachAgent', () => {
  it('runs once per agent and counts successes', async () => {
    const seen: string[] = [];
    const result = await forEachAgent(['a', 'b', 'c'], async (id) => void seen.push(id));
    expect(result).toEqual({ succeeded: 3, failed: [] });
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });

  it('reports refusals with their code and anything else as INTERNAL, in agentId order, and goes on', async () => {
    const result = await forEachAgent(['d', 'c', 'b', 'a'], async (id) => {
      if (id === 'c') throw new ImmuneError('APPROVAL.NOT_PENDING', 't', 'settled');
      if (id === 'a') throw new Error('boom');
    });
    expect(result).toEqual({
      succeeded: 2,
      failed: [
        { agentId: 'a', code: 'INTERNAL' },
        { agentId: 'c', code: 'APPROVAL.NOT_PENDING' },
      ],
    });
  });

  it('keeps at most `parallel` commands in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const result = await forEachAgent(
      ids,
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
      },
      3,
    );
    expect(result.succeeded).toBe(20);
    expect(most).toBe(3);
  });

  it('does nothing for no agents', async () => {
    expect(await forEachAgent([], async () => undefined)).toEqual({ succeeded: 0, failed: [] });
  });
});
