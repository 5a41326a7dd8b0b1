/**
 * `npm start`: checks NATS and PostgreSQL, prepares the namespace (database, migrations, streams, buckets),
 * then runs every service as its own process with prefixed output, and stops them all on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { names as namesOf } from '@immune/contracts';
import { loadConfig } from '@immune/platform-runtime';
import { connectNats, provisionAll } from '@immune/platform-jetstream';
import { migrate } from '@immune/read-models';

const ROOT = resolve(__dirname, '..', '..');
const SERVICES = (process.env['IMMUNE_SERVICES'] || 'quarantine,projector,telemetry,sentinel,healer,escalation,gateway').split(',').map((s) => s.trim()).filter(Boolean);
const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m', '\x1b[90m'];
const RESET = '\x1b[0m';
const STARTUP_GRACE_MS = 15_000;

interface Child {
  name: string;
  proc: ChildProcess | null;
  restarts: number;
}

async function prepare(): Promise<void> {
  const config = loadConfig();
  const names = namesOf(config.namespace);
  const { nc } = await connectNats(config.natsServers, 'immune-launcher');
  try {
    await provisionAll(nc, names);
  } finally {
    await nc.close();
  }
  await migrate(config);
}

function prefixLines(name: string, color: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  let buffered = '';
  const tag = process.stdout.isTTY ? `${color}${name.padEnd(10)}${RESET}│ ` : `${name.padEnd(10)}│ `;
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      out.write(`${tag}${buffered.slice(0, nl)}\n`);
      buffered = buffered.slice(nl + 1);
    }
  });
}

async function main(): Promise<void> {
  try {
    await prepare();
  } catch (e) {
    process.stderr.write(`immune: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    process.exit(1);
  }
  const config = loadConfig();
  let stopping = false;
  const children: Child[] = SERVICES.map((name) => ({ name, proc: null, restarts: 0 }));

  const start = (child: Child, color: string) => {
    const startedAt = Date.now();
    const entry = join(ROOT, 'dist', 'apps', child.name, 'src', 'main.js');
    const proc = spawn(process.execPath, ['-r', join(ROOT, 'tools', 'register-paths.cjs'), entry], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_FORMAT: process.env['LOG_FORMAT'] || (process.stdout.isTTY ? 'pretty' : 'json'),
        // The gateway's /ready waits for the services this launcher runs (all of them unless IMMUNE_SERVICES says otherwise).
        IMMUNE_READY_SERVICES: process.env['IMMUNE_READY_SERVICES'] || SERVICES.filter((s) => s !== 'gateway').join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.proc = proc;
    if (proc.stdout) prefixLines(child.name, color, proc.stdout, process.stdout);
    if (proc.stderr) prefixLines(child.name, color, proc.stderr, process.stderr);
    proc.on('exit', (code, signal) => {
      child.proc = null;
      if (stopping) return;
      // A service that fails while starting (bad configuration, unreachable dependency) will fail again: stop.
      if (code !== 0 && Date.now() - startedAt < STARTUP_GRACE_MS && child.restarts === 0) {
        process.stderr.write(`immune: ${child.name} could not start (exit ${signal ?? code}); stopping everything\n`);
        stop('SIGTERM', 1);
        return;
      }
      child.restarts++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(child.restarts, 6));
      process.stderr.write(`immune: ${child.name} exited (${signal ?? code}); restarting in ${delay} ms\n`);
      setTimeout(() => !stopping && start(child, color), delay).unref();
    });
  };

  children.forEach((c, i) => start(c, COLORS[i % COLORS.length]!));
  process.stdout.write(
    `immune: namespace "${config.namespace}" — gateway and dashboard on http://localhost:${config.gatewayPort}/ ` +
      `(API docs at /api/docs). Ctrl-C stops everything.\n`,
  );

  function stop(signal: NodeJS.Signals, exitCode = 0): void {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`immune: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}, stopping ${SERVICES.join(', ')}…\n`);
    const alive = children.filter((c) => c.proc);
    if (alive.length === 0) process.exit(exitCode);
    let left = alive.length;
    for (const c of alive) {
      c.proc!.once('exit', () => {
        if (--left === 0) process.exit(exitCode);
      });
      c.proc!.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const c of children) c.proc?.kill('SIGKILL');
      process.exit(1);
    }, 15_000).unref();
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
