import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import type { Names } from '@immune/contracts';
import { loadConfig, type RuntimeConfig } from '@immune/platform-runtime';
import { TEST_NATS_URL } from '@immune/testing';
import type { InfectionRequest } from './infections/infection-sender';
import { SentinelService, type SentinelOptions } from './sentinel.service';

export function runtimeConfig(namespace: string): RuntimeConfig {
  return loadConfig({ IMMUNE_NAMESPACE: namespace, NATS_URL: TEST_NATS_URL, LOG_FORMAT: 'json' });
}

export interface RecordingLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  lines: Array<{ level: string; message: string; fields: object }>;
}

export function recordingLog(): RecordingLog {
  const lines: RecordingLog['lines'] = [];
  const at = (level: string) => (fields: object, message: string) => {
    lines.push({ level, message, fields });
    if (process.env['SPEC_LOG']) process.stderr.write(`${level} ${message} ${JSON.stringify(fields)}\n`);
  };
  return { info: at('info'), warn: at('warn'), error: at('error'), lines };
}

export async function startSentinel(namespace: string, opts: SentinelOptions = {}): Promise<{ sentinel: SentinelService; log: RecordingLog; registry: Registry }> {
  const log = recordingLog();
  const registry = new Registry();
  const sentinel = await SentinelService.start(runtimeConfig(namespace), log, registry, opts);
  return { sentinel, log, registry };
}

/**
 * A real responder on `{ns}.commands.agent` standing in for the quarantine service (which accepts
 * ReportInfection once it is wired): records every request and answers ok.
 */
export class CommandRecorder {
  readonly requests: Array<InfectionRequest & { receivedAt: number }> = [];
  private sub: Subscription | null = null;

  start(nc: NatsConnection, names: Names): this {
    let version = 0;
    this.sub = nc.subscribe(names.agentCommands, {
      callback: (_err, msg) => {
        const request = msg.json<InfectionRequest>();
        this.requests.push({ ...request, receivedAt: Date.now() });
        msg.respond(JSON.stringify({ ok: true, agentId: request.agentId, version: ++version, sequences: [version], eventTypes: ['AnomalyDetected'], duplicate: false }));
      },
    });
    return this;
  }

  infections(agentId?: string): Array<InfectionRequest & { receivedAt: number }> {
    return this.requests.filter((r) => r.command.type === 'ReportInfection' && (agentId === undefined || r.agentId === agentId));
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so healthy jitter is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface VitalShape {
  latencyFactor?: number;
  toolFactor?: number;
  /** Multiplies input tokens (an input_token_spike). */
  tokenFactor?: number;
  agentType?: string;
}

/** A healthy vital with ±10% jitter; `latencyFactor`/`toolFactor` make it a spike. */
export function vital(agentId: string, random: () => number, shape: VitalShape = {}): string {
  const j = () => 0.9 + 0.2 * random();
  return JSON.stringify({
    agentId,
    latencyMs: Math.round(1000 * j() * (shape.latencyFactor ?? 1)),
    inputTokens: Math.round(500 * j() * (shape.tokenFactor ?? 1)),
    outputTokens: Math.round(200 * j()),
    costUsd: Number((0.01 * j()).toFixed(5)),
    toolCalls: Math.round((2 + Math.floor(random() * 3)) * (shape.toolFactor ?? 1)),
    retries: 0,
    success: true,
    promptHash: 'p1',
    agentType: shape.agentType ?? 'coder',
  });
}

/** Publishes one vital per agent per round (core NATS, flushed: the stream has them when this returns). */
export async function publishRounds(
  nc: NatsConnection,
  names: Names,
  agents: readonly string[],
  rounds: number,
  random: () => number,
  shapeOf: (agentId: string, round: number) => VitalShape = () => ({}),
  pauseMs = 0,
): Promise<number> {
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const id of agents) {
      nc.publish(names.vitals(id), vital(id, random, shapeOf(id, r)));
      n++;
    }
    await nc.flush();
    if (pauseMs > 0) await sleep(pauseMs);
  }
  return n;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The stream's last sequence, to wait until an instance has handled everything published. */
export async function streamEnd(nc: NatsConnection, names: Names): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(names.vitalsStream)).state.last_seq;
}
