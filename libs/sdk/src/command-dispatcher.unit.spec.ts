import { CommandDispatcher } from './command-dispatcher';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('CommandDispatcher', () => {
  it('acknowledges a registered action and passes the command to the handler', async () => {
    const d = new CommandDispatcher();
    const seen: unknown[] = [];
    d.register('reset_memory', (cmd) => {
      seen.push(cmd);
      return 'memory cleared';
    });
    const reply = await d.handle(bytes({ commandId: 'c1', action: 'reset_memory', params: { diagnosis: 'memory_corruption' } }));
    expect(reply).toEqual({ commandId: 'c1', ok: true, detail: 'memory cleared' });
    expect(seen).toEqual([{ commandId: 'c1', action: 'reset_memory', params: { diagnosis: 'memory_corruption' } }]);
  });

  it('a handler returning nothing is ok without detail; an explicit {ok:false} declines', async () => {
    const d = new CommandDispatcher();
    d.register('revoke_tools', () => undefined);
    d.register('rollback_prompt', () => ({ ok: false, detail: 'no earlier prompt' }));
    expect(await d.handle({ commandId: 'a', action: 'revoke_tools', params: {} })).toEqual({ commandId: 'a', ok: true });
    expect(await d.handle({ commandId: 'b', action: 'rollback_prompt', params: {} })).toEqual({ commandId: 'b', ok: false, detail: 'no earlier prompt' });
  });

  it('an unknown action, a missing handler, a throwing handler and a malformed body are ok:false with a detail', async () => {
    const d = new CommandDispatcher();
    d.register('reset_agent', async () => {
      throw new Error('restart refused');
    });
    const unknown = await d.handle(bytes({ commandId: 'u', action: 'format_disk', params: {} }));
    expect(unknown.ok).toBe(false);
    expect(unknown.detail).toMatch(/unknown action "format_disk"/);
    const missing = await d.handle(bytes({ commandId: 'm', action: 'reduce_autonomy', params: {} }));
    expect(missing).toEqual({ commandId: 'm', ok: false, detail: 'this agent has no handler for reduce_autonomy' });
    const thrown = await d.handle(bytes({ commandId: 't', action: 'reset_agent' }));
    expect(thrown).toEqual({ commandId: 't', ok: false, detail: 'reset_agent failed: restart refused' });
    expect(await d.handle(new TextEncoder().encode('{nope'))).toEqual({ commandId: '', ok: false, detail: 'the request is not valid JSON' });
    expect((await d.handle(bytes({ action: 'reset_agent' }))).ok).toBe(false);
    expect((await d.handle(bytes([1, 2]))).ok).toBe(false);
  });

  it('answers a repeated commandId with the first reply without running the handler twice', async () => {
    const d = new CommandDispatcher();
    let runs = 0;
    d.register('reset_memory', () => `run ${++runs}`);
    const [a, b] = await Promise.all([
      d.handle({ commandId: 'same', action: 'reset_memory', params: {} }),
      d.handle({ commandId: 'same', action: 'reset_memory', params: {} }),
    ]);
    const c = await d.handle({ commandId: 'same', action: 'reset_memory', params: {} });
    expect([a, b, c].map((r) => r.detail)).toEqual(['run 1', 'run 1', 'run 1']);
    expect(runs).toBe(1);
  });

  it('refuses to register a handler for an action outside the contract', () => {
    const d = new CommandDispatcher();
    expect(() => d.register('format_disk' as never, () => undefined)).toThrow(RangeError);
    expect(d.registered).toEqual([]);
  });
});
