/**
 * `npm run demo`: the control plane (tools/launcher) plus a simulated fleet with chaos
 * (`immune fleet-sim --agents 60 --chaos`), started once the gateway is ready, and a narrator that prints the
 * infections, quarantines, approvals, healings and the immune memory from the event log (a summary every 20 s). Ctrl-C stops all.
 * Arguments after `--` go to fleet-sim (e.g. `npm run demo -- --agents 100 --seed 7`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf } from '@immune/contracts';
import { loadConfig } from '@immune/platform-runtime';
import { connectNats, parseEnvelope } from '@immune/platform-jetstream';
import { DemoNarrator } from './demo-narrator';

const ROOT = resolve(__dirname, '..', '..');
const REGISTER = join(ROOT, 'tools', 'register-paths.cjs');
const READY_TIMEOUT_MS = 120_000;
const FLEET_ARGS = ['--agents', '60', '--chaos', '--rate', '2', '--fault-every', '2.5', '--progress-every', '10'];
const TAG = process.stdout.isTTY ? '\x1b[1;97mdemo      \x1b[0m│ ' : 'demo      │ ';
const FLEET_TAG = process.stdout.isTTY ? '\x1b[1;94mfleet-sim \x1b[0m│ ' : 'fleet-sim │ ';

const say = (line: string) => process.stdout.write(`${TAG}${line}\n`);

function prefixLines(tag: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      out.write(`${tag}${buffered.slice(0, nl)}\n`);
      buffered = buffered.slice(nl + 1);
    }
  });
}

async function waitReady(port: number, isStopping: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !isStopping()) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

/** Prints the notable agent events as they are appended, and the immune memory as it grows. */
async function narrate(nc: NatsConnection, ns: string, narrator: DemoNarrator): Promise<void> {
  const names = namesOf(ns);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(names.eventsStream, { filter_subjects: `${ns}.events.agent.>`, deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume();
  for await (const m of messages) {
    try {
      const learnedBefore = narrator.memory.size;
      const line = narrator.apply(parseEnvelope(m.data));
      if (line) say(line);
      // the first outcome of each diagnosis: show the immune memory at once, not only every 20 s
      if (narrator.memory.size > learnedBefore) for (const l of ['immune memory so far:', ...narrator.memoryLines()]) say(l);
    } catch {
      // not an envelope: not ours to judge here (`immune events verify` is)
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const fleetArgs = [...FLEET_ARGS, ...process.argv.slice(2)];
  let stopping = false;
  const children: ChildProcess[] = [];
  const narrator = new DemoNarrator();
  let nc: NatsConnection | null = null;
  let memoryTimer: NodeJS.Timeout | null = null;

  // Children get their own process group: Ctrl-C reaches only this process, which stops each child once.
  const launcher = spawn(process.execPath, ['-r', REGISTER, join(ROOT, 'dist', 'tools', 'launcher.js')], { cwd: ROOT, env: process.env, stdio: 'inherit', detached: true });
  children.push(launcher);
  launcher.on('exit', (code) => {
    if (!stopping) {
      say(`the control plane stopped (exit ${code ?? '?'}); stopping the fleet`);
      void stop(code ?? 1);
    }
  });

  const stop = async (exitCode = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (memoryTimer) clearInterval(memoryTimer);
    for (const line of narrator.summaryLines()) say(line);
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    setTimeout(() => {
      for (const c of alive) c.kill('SIGKILL');
      process.exit(1);
    }, 25_000).unref();
    await Promise.all(
      alive.map(
        (c) =>
          new Promise<void>((r) => {
            c.once('exit', () => r());
            c.kill('SIGINT');
          }),
      ),
    );
    await nc?.close().catch(() => undefined);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  say(`waiting for the control plane in namespace "${config.namespace}" (gateway http://localhost:${config.gatewayPort}/ready)…`);
  if (!(await waitReady(config.gatewayPort, () => stopping))) {
    if (!stopping) {
      say(`the gateway was not ready within ${READY_TIMEOUT_MS / 1000}s; stopping`);
      await stop(1);
    }
    return;
  }
  if (stopping) return;
  nc = (await connectNats(config.natsServers, 'immune-demo')).nc;
  void narrate(nc, config.namespace, narrator).catch((e: unknown) => say(`narrator stopped: ${e instanceof Error ? e.message : String(e)}`));
  const fleet = spawn(process.execPath, ['-r', REGISTER, join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), 'fleet-sim', ...fleetArgs], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(fleet);
  if (fleet.stdout) prefixLines(FLEET_TAG, fleet.stdout, process.stdout);
  if (fleet.stderr) prefixLines(FLEET_TAG, fleet.stderr, process.stderr);
  fleet.on('exit', (code) => {
    if (!stopping) say(`fleet-sim exited (${code ?? '?'}); the control plane keeps running — Ctrl-C stops it`);
  });
  say(`fleet-sim ${fleetArgs.join(' ')} started. Agents warm up (~20 s), then chaos begins.`);
  say(`watch: dashboard http://localhost:${config.gatewayPort}/ · GET /api/v1/approvals?state=pending · POST /api/v1/approvals/approve-all · GET /api/v1/healing/patterns (API keys: printed by the gateway at first start)`);
  memoryTimer = setInterval(() => {
    for (const line of narrator.summaryLines()) say(line);
  }, 20_000);
}

void main().catch((e: unknown) => {
  process.stderr.write(`demo: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
  process.exit(1);
});
