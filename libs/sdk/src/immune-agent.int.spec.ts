import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { destroyNamespace, eventually, freshNamespace, TEST_NATS_URL } from '@immune/testing';
import { ImmuneAgent } from './immune-agent';
import { AgentRestrictedError, AgentSuspendedError, AgentTerminatedError } from './errors';
import { NO_RESTRICTIONS, sdkNames, type AgentCommandReply } from './wire';

// Against the real NATS of the machine, in a fresh namespace (no database needed: the SDK only speaks NATS).
describe('ImmuneAgent against the real NATS', () => {
  const ns = freshNamespace('sdk');
  const names = sdkNames(ns);
  let nc: NatsConnection;
  let kv: KV;
  const agents: ImmuneAgent[] = [];
  const open = async (agentId: string, extra: Partial<Parameters<typeof ImmuneAgent.connect>[0]> = {}) => {
    const a = await ImmuneAgent.connect({ agentId, nc, namespace: ns, agentType: 'coder', model: 'gpt-x', ...extra });
    agents.push(a);
    return a;
  };
  const received = (agentId: string) => {
    const got: Record<string, unknown>[] = [];
    const sub = nc.subscribe(names.vitals(agentId), { callback: (_e, m) => void got.push(m.json<Record<string, unknown>>()) });
    return { got, sub };
  };
  const putStatus = (agentId: string, status: string, version: number, restrictions = NO_RESTRICTIONS) =>
    kv.put(agentId, JSON.stringify({ status, restrictions, version }));

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    kv = await new Kvm(nc).create(names.statusBucket, { history: 1 });
  });

  afterAll(async () => {
    for (const a of agents) await a.close();
    await nc.close();
    await destroyNamespace(ns);
  });

  it('publishes vitals in batches on {ns}.vitals.{agentId}, filling agentId, ts and the agent defaults', async () => {
    const { got, sub } = received('batcher');
    await nc.flush();
    const a = await open('batcher', { maxBatch: 100, flushIntervalMs: 50 });
    for (let i = 0; i < 250; i++) a.report({ latencyMs: i, inputTokens: 10, outputTokens: 5, toolCalls: 1, retries: 0 });
    await eventually(async () => got.length === 250);
    sub.unsubscribe();
    expect(got.map((v) => v['latencyMs'])).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(got[0]).toMatchObject({ agentId: 'batcher', agentType: 'coder', model: 'gpt-x', inputTokens: 10 });
    expect(typeof got[0]!['ts']).toBe('number');
    expect(a.stats).toMatchObject({ reported: 250, published: 250, dropped: 0, buffered: 0 });
    expect(a.stats.batches).toBeGreaterThanOrEqual(3);
  });

  it('keeps at most maxBuffer vitals: the oldest are dropped and counted, never blocking report()', async () => {
    const { got, sub } = received('bounded');
    await nc.flush();
    const a = await open('bounded', { maxBuffer: 5, maxBatch: 1000, flushIntervalMs: 60_000 });
    const rooms = Array.from({ length: 20 }, (_, i) => a.report({ latencyMs: i, inputTokens: 1, outputTokens: 1, toolCalls: 0, retries: 0 }));
    expect(rooms.filter((r) => !r)).toHaveLength(15);
    expect(a.stats).toMatchObject({ reported: 20, dropped: 15, buffered: 5, published: 0 });
    await a.flush();
    await eventually(async () => got.length === 5);
    sub.unsubscribe();
    expect(got.map((v) => v['latencyMs'])).toEqual([15, 16, 17, 18, 19]);
  });

  it('follows the status KV: blocks work while suspended, honours restrictions, unblocks on release, stops for good when terminated', async () => {
    await putStatus('watched', 'active', 1);
    const a = await open('watched');
    expect(a.statusKnown).toBe(true);
    expect(await a.run(async () => 'worked')).toBe('worked');
    const changes: string[] = [];
    a.on('status', (c) => changes.push(`${c.previous}->${c.status}`));

    // a task in flight is told to stop when the agent is suspended
    let abortedWith: unknown = null;
    const inFlight = a.run(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            abortedWith = signal.reason;
            resolve();
          });
        }),
    );
    await putStatus('watched', 'suspended', 2);
    await eventually(async () => a.status === 'suspended');
    await inFlight;
    expect(abortedWith).toBeInstanceOf(AgentSuspendedError);
    expect(() => a.guard()).toThrow(AgentSuspendedError);
    await expect(a.run(async () => 'must not run')).rejects.toBeInstanceOf(AgentSuspendedError);

    const runnable = a.waitUntilRunnable();
    await putStatus('watched', 'restricted', 3, { ...NO_RESTRICTIONS, toolsRevoked: true, probation: true });
    await runnable;
    expect(a.status).toBe('restricted');
    expect(a.restrictions).toMatchObject({ toolsRevoked: true, probation: true });
    expect(() => a.assertAllowed('tools')).toThrow(AgentRestrictedError);
    expect(a.isAllowed('network')).toBe(true);
    expect(await a.run(async () => 'probation work')).toBe('probation work');

    await putStatus('watched', 'active', 4);
    await eventually(async () => a.status === 'active');
    expect(a.isAllowed('tools')).toBe(true);

    await putStatus('watched', 'terminated', 5, { ...NO_RESTRICTIONS, toolsRevoked: true });
    await eventually(async () => a.status === 'terminated');
    expect(() => a.guard()).toThrow(AgentTerminatedError);
    await expect(a.waitUntilRunnable()).rejects.toBeInstanceOf(AgentTerminatedError);
    expect(changes).toEqual(['active->suspended', 'suspended->restricted', 'restricted->active', 'active->terminated']);
  });

  it('reads the status that was set before it connected, and treats an unknown agent as active', async () => {
    await putStatus('late', 'suspended', 9);
    const late = await open('late');
    expect(late.status).toBe('suspended');
    expect(() => late.guard()).toThrow(AgentSuspendedError);
    // a waiter is settled by close(), not left hanging
    const waiting = late.waitUntilRunnable();
    await late.close();
    await expect(waiting).rejects.toThrow(/closed/);
    const fresh = await open('never-seen');
    expect(fresh.status).toBe('active');
    expect(fresh.statusKnown).toBe(true);
  });

  it('answers healing commands on {ns}.agents.{agentId}.commands: ok, unknown action, missing and throwing handlers', async () => {
    const a = await open('healable');
    const handled: string[] = [];
    a.handleAll({
      reset_memory: (cmd) => {
        handled.push(`${cmd.action}:${String(cmd.params['diagnosis'])}`);
        return 'memory wiped';
      },
      reset_agent: () => {
        throw new Error('cannot restart now');
      },
    });
    const seen: string[] = [];
    a.on('command', (cmd, reply) => seen.push(`${cmd.action}=${reply.ok}`));
    const ask = async (body: unknown) => (await nc.request(names.agentChannel('healable'), JSON.stringify(body), { timeout: 5000 })).json<AgentCommandReply>();

    expect(await ask({ commandId: 'c1', action: 'reset_memory', params: { diagnosis: 'memory_corruption' } })).toEqual({ commandId: 'c1', ok: true, detail: 'memory wiped' });
    expect(await ask({ commandId: 'c1', action: 'reset_memory', params: { diagnosis: 'memory_corruption' } })).toEqual({ commandId: 'c1', ok: true, detail: 'memory wiped' });
    expect(handled).toEqual(['reset_memory:memory_corruption']);
    const unknown = await ask({ commandId: 'c2', action: 'format_disk', params: {} });
    expect(unknown).toMatchObject({ commandId: 'c2', ok: false });
    expect(unknown.detail).toMatch(/unknown action/);
    expect(await ask({ commandId: 'c3', action: 'rollback_prompt', params: {} })).toMatchObject({ commandId: 'c3', ok: false });
    expect(await ask({ commandId: 'c4', action: 'reset_agent', params: {} })).toEqual({ commandId: 'c4', ok: false, detail: 'reset_agent failed: cannot restart now' });
    await eventually(async () => seen.length >= 4);
    expect(seen).toContain('reset_memory=true');
    expect(seen).toContain('reset_agent=false');
  });

  it('close() stops answering commands and refuses further work', async () => {
    const a = await open('closing');
    a.handle('reset_memory', () => undefined);
    await a.close();
    await expect(nc.request(names.agentChannel('closing'), JSON.stringify({ commandId: 'x', action: 'reset_memory', params: {} }), { timeout: 500 })).rejects.toThrow();
    expect(() => a.guard()).toThrow(/closed/);
    expect(() => a.report({ latencyMs: 1, inputTokens: 1, outputTokens: 1, toolCalls: 0, retries: 0 })).toThrow(/closed/);
  });
});

// A private nats-server (the same binary as the machine's, as .ci/run starts it), stopped and restarted under the agent's feet.
const NATS_SERVER_BIN =
  process.env['NATS_SERVER_BIN'] || ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) || 'nats-server';

describe('ImmuneAgent across a NATS restart', () => {
  let server: ChildProcess | null = null;
  let storeDir = '';
  let port = 0;
  const startServer = async () => {
    server = spawn(NATS_SERVER_BIN, ['-p', String(port), '-js', '-sd', storeDir, '-a', '127.0.0.1'], { stdio: 'ignore' });
    await eventually(async () => {
      const c = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false });
      await c.close();
      return true;
    }, 10_000, 100);
  };
  const stopServer = async () => {
    const s = server;
    server = null;
    if (!s || s.exitCode !== null) return;
    await new Promise<void>((r) => {
      s.once('exit', () => r());
      s.kill('SIGTERM'); // a clean stop flushes JetStream's file store; the client still just sees the connection go
    });
  };

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'immune-sdk-nats-'));
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    await startServer();
  });

  afterAll(async () => {
    await stopServer();
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('buffers vitals while NATS is down, publishes them after it reconnects, and keeps following the status', async () => {
    const ns = 'sdkreconnect';
    const url = `nats://127.0.0.1:${port}`;
    const admin = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: 'SDKRECONNECT_VITALS', subjects: [`${ns}.vitals.*`] });
    const kv = await new Kvm(admin).create(sdkNames(ns).statusBucket, { history: 1 });
    await kv.put('survivor', JSON.stringify({ status: 'active', restrictions: NO_RESTRICTIONS, version: 1 }));
    const agent = await ImmuneAgent.connect({ agentId: 'survivor', servers: url, namespace: ns, flushIntervalMs: 50, statusTimeoutMs: 500 });
    try {
      agent.report({ latencyMs: 1, inputTokens: 1, outputTokens: 1, toolCalls: 0, retries: 0 });
      await agent.flush();
      await stopServer();
      await eventually(async () => !agent.connected);
      for (let i = 0; i < 10; i++) agent.report({ latencyMs: 100 + i, inputTokens: 1, outputTokens: 1, toolCalls: 0, retries: 0 });
      expect(agent.stats.buffered).toBe(10);
      await startServer();
      await eventually(async () => agent.connected && agent.stats.buffered === 0, 20_000, 100);
      const count = await eventually(async () => {
        const info = await jsm.streams.info('SDKRECONNECT_VITALS');
        return info.state.messages === 11 ? info.state.messages : false;
      }, 20_000, 200);
      expect(count).toBe(11);
      expect(agent.stats).toMatchObject({ reported: 11, published: 11, dropped: 0 });
      // the status watch came back with the connection
      await kv.put('survivor', JSON.stringify({ status: 'suspended', restrictions: NO_RESTRICTIONS, version: 2 }));
      await eventually(async () => agent.status === 'suspended', 20_000, 100);
      expect(() => agent.guard()).toThrow(AgentSuspendedError);
    } finally {
      await agent.close();
      await admin.close();
    }
  });
});
