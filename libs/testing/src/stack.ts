import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { names as namesOf } from '@immune/contracts';
import { createTestEnv, eventually, testNats, type TestEnv } from './test-env';

/** The workspace root (the folder with nx.json), from the sources or from dist/. */
function workspaceRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${from}`);
}

const ROOT = workspaceRoot(__dirname);

export type ServiceName = 'gateway' | 'quarantine' | 'projector' | 'telemetry' | 'sentinel' | 'healer' | 'escalation';

export interface RunningService {
  name: ServiceName;
  process: ChildProcess;
  output: string[];
}

/** The built services running as real processes in a fresh namespace and database. */
export interface Stack {
  env: TestEnv;
  baseUrl: string;
  keys: { admin: string; operator: string; viewer: string; ingest: string };
  services: Map<ServiceName, RunningService>;
  /** Starts (or restarts) one service. */
  start(name: ServiceName): RunningService;
  /** SIGKILLs one service (a crash), or SIGTERMs it when `graceful`. */
  kill(name: ServiceName, graceful?: boolean): Promise<void>;
  /** Everything the services printed, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

function entryOf(name: ServiceName): string {
  const entry = join(ROOT, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before the e2e specs`);
  return entry;
}

export async function startStack(names: ServiceName[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const env = await createTestEnv('e');
  const port = await freePort();
  const keys = {
    admin: `imk_admin_${randomBytes(12).toString('hex')}`,
    operator: `imk_operator_${randomBytes(12).toString('hex')}`,
    viewer: `imk_viewer_${randomBytes(12).toString('hex')}`,
    ingest: `imk_ingest_${randomBytes(12).toString('hex')}`,
  };
  const childEnv: NodeJS.ProcessEnv = {
    ...env.env,
    GATEWAY_PORT: String(port),
    IMMUNE_ADMIN_KEY: keys.admin,
    IMMUNE_OPERATOR_KEY: keys.operator,
    IMMUNE_VIEWER_KEY: keys.viewer,
    IMMUNE_INGEST_KEY: keys.ingest,
    IMMUNE_READY_SERVICES: names.filter((n) => n !== 'gateway').join(','),
    GATEWAY_METRICS_PORT: '0',
    QUARANTINE_METRICS_PORT: '0',
    PROJECTOR_METRICS_PORT: '0',
    TELEMETRY_METRICS_PORT: '0',
    SENTINEL_METRICS_PORT: '0',
    ESCALATION_METRICS_PORT: '0',
    HEALER_METRICS_PORT: '0',
    ...extraEnv,
  };
  const services = new Map<ServiceName, RunningService>();

  const start = (name: ServiceName): RunningService => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'tools', 'register-paths.cjs'), entryOf(name)], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const svc: RunningService = { name, process: child, output: [] };
    const keep = (chunk: Buffer) => {
      svc.output.push(chunk.toString());
      if (svc.output.length > 2000) svc.output.splice(0, 1000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    services.set(name, svc);
    return svc;
  };

  const kill = async (name: ServiceName, graceful = false): Promise<void> => {
    const svc = services.get(name);
    if (!svc || svc.process.exitCode !== null || svc.process.signalCode !== null) return;
    const exited = new Promise<void>((ok) => svc.process.once('exit', () => ok()));
    svc.process.kill(graceful ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => svc.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const logs = () =>
    [...services.values()].map((s) => `----- ${s.name} -----\n${s.output.join('').slice(-20_000)}`).join('\n');

  const stack: Stack = {
    env,
    baseUrl: `http://127.0.0.1:${port}`,
    keys,
    services,
    start,
    kill,
    logs,
    stop: async () => {
      await Promise.all([...services.keys()].map((n) => kill(n, true)));
      await env.cleanup();
    },
  };

  // Services that share migrations start one after another would be slower; they take an advisory lock instead.
  try {
    for (const name of names) start(name);
    if (names.includes('gateway')) {
      await eventually(async () => {
        const res = await fetch(`${stack.baseUrl}/ready`).catch(() => undefined);
        return res?.status === 200;
      }, 60_000, 200);
    } else {
      await waitForHeartbeats(env, names);
    }
  } catch (e) {
    const out = logs();
    await stack.stop().catch(() => undefined);
    throw new Error(`stack did not become ready: ${String(e)}\n${out}`);
  }
  return stack;
}

/** Waits until every service has published a heartbeat on the namespace (services without HTTP). */
export async function waitForHeartbeats(env: TestEnv, services: ServiceName[], timeoutMs = 60_000): Promise<void> {
  const nc = await testNats();
  const seen = new Set<string>();
  try {
    const sub = nc.subscribe(namesOf(env.namespace).heartbeats, {
      callback: (_e, m) => {
        const beat = m.json<{ service?: string }>();
        if (beat.service) seen.add(beat.service);
      },
    });
    await eventually(async () => services.every((s) => seen.has(s)), timeoutMs, 100);
    sub.unsubscribe();
  } finally {
    await nc.close();
  }
}

/** fetch with a bearer key and JSON body; returns status, headers and parsed body (loosely typed for specs). */
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function api(
  stack: Pick<Stack, 'baseUrl'>,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers['authorization'] = `Bearer ${opts.key}`;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(`${stack.baseUrl}${path.startsWith('/') ? path : `/${path}`}`, { method, headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
