import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { CommandDispatcher, type CommandHandler } from './command-dispatcher';
import { AgentClosedError, AgentRestrictedError, blockingError, isCut, type Capability } from './errors';
import { VitalsBuffer } from './vitals-buffer';
import {
  AGENT_ID_PATTERN,
  DEFAULT_NAMESPACE,
  NO_RESTRICTIONS,
  parseStatusRecord,
  sdkNames,
  type AgentCommand,
  type AgentCommandReply,
  type AgentStatus,
  type AgentStatusRecord,
  type HealingAction,
  type Restrictions,
  type SdkNames,
  type VitalInput,
} from './wire';

export interface ImmuneAgentOptions {
  /** `[A-Za-z0-9_-]{1,128}`: the key of this agent everywhere. */
  agentId: string;
  /** An open connection to share (not closed by `close()`); otherwise the SDK connects to `servers`. */
  nc?: NatsConnection;
  /** Default: `NATS_URL` (comma separated) or `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** Default: `IMMUNE_NAMESPACE` or `immune`. */
  namespace?: string;
  /** Filled into every vital that does not set them. */
  agentType?: string;
  model?: string;
  mcpServers?: string[];
  /** Most vitals published per flush (default 100). */
  maxBatch?: number;
  /** How often queued vitals are published (default 200 ms); a full batch is published at once. */
  flushIntervalMs?: number;
  /** Vitals kept while NATS is unreachable; beyond it the oldest are dropped and counted (default 10 000). */
  maxBuffer?: number;
  /** How long `connect()` waits for the first status before assuming `active` (default 2000 ms). */
  statusTimeoutMs?: number;
  /** Pause before the status watch is retried after an error, e.g. while the bucket does not exist yet (default 2000 ms). */
  watchRetryMs?: number;
  /** Healing handlers registered before the command channel opens (same as `handleAll` after connect). */
  handlers?: Partial<Record<HealingAction, CommandHandler>>;
}

/** A status change, as delivered to `on('status')`. */
export interface StatusChange {
  status: AgentStatus;
  previous: AgentStatus;
  restrictions: Restrictions;
  version: number;
}

export interface ReporterStats {
  /** Vitals handed to `report()`. */
  reported: number;
  /** Vitals written to the connection. */
  published: number;
  /** Vitals dropped because the buffer was full. */
  dropped: number;
  /** Vitals waiting in the buffer. */
  buffered: number;
  /** Flushes that published at least one vital. */
  batches: number;
}

interface Listeners {
  status: (change: StatusChange) => void;
  command: (command: AgentCommand, reply: AgentCommandReply) => void;
  error: (error: Error) => void;
}

/** A vital without the fields the SDK fills in (`agentId`; `ts` defaults to now). */
export type VitalReport = Omit<VitalInput, 'agentId'> & { agentId?: string };

/**
 * One agent's link to the Immune control plane: reports vitals, follows the agent's status in the KV bucket
 * `{ns}_agent_status` (blocking work while suspended or terminated), and answers healing commands on
 * `{ns}.agents.{agentId}.commands`. Create it with `ImmuneAgent.connect(options)`.
 */
export class ImmuneAgent {
  readonly agentId: string;
  readonly namespace: string;
  private readonly names: SdkNames;
  private readonly buffer: VitalsBuffer<Uint8Array>;
  private readonly dispatcher = new CommandDispatcher();
  private readonly listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = { status: new Set(), command: new Set(), error: new Set() };
  private readonly aborters = new Set<AbortController>();
  private record: AgentStatusRecord = { status: 'active', restrictions: { ...NO_RESTRICTIONS }, version: 0 };
  private known = false;
  private connectedNow = true;
  private closed = false;
  private reported = 0;
  private published = 0;
  private batches = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushSoon = false;
  private subscription: Subscription | null = null;
  private stopWatch: (() => void) | null = null;
  private stopStatuses: (() => void) | null = null;
  private readonly closeHooks = new Set<() => void>();
  private watchLoop: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly watchRetryMs: number;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly opts: ImmuneAgentOptions,
  ) {
    if (!AGENT_ID_PATTERN.test(opts.agentId)) throw new RangeError(`agentId must match ${AGENT_ID_PATTERN.source}`);
    this.agentId = opts.agentId;
    this.namespace = opts.namespace ?? (process.env['IMMUNE_NAMESPACE'] || DEFAULT_NAMESPACE);
    this.names = sdkNames(this.namespace);
    this.buffer = new VitalsBuffer(opts.maxBuffer ?? 10_000);
    this.maxBatch = Math.max(1, opts.maxBatch ?? 100);
    this.watchRetryMs = opts.watchRetryMs ?? 2000;
    if (opts.handlers) this.handleAll(opts.handlers);
  }

  /**
   * Connects (or uses `options.nc`), starts answering commands, reads the agent's current status (waiting up
   * to `statusTimeoutMs`; an agent the control plane does not know yet is `active`) and starts reporting.
   */
  static async connect(options: ImmuneAgentOptions): Promise<ImmuneAgent> {
    if (!AGENT_ID_PATTERN.test(options.agentId)) throw new RangeError(`agentId must match ${AGENT_ID_PATTERN.source}`);
    let nc = options.nc;
    const owns = !nc;
    if (!nc) {
      const servers = options.servers ?? (process.env['NATS_URL'] || 'nats://127.0.0.1:4222').split(',').map((s) => s.trim());
      nc = await connect({ servers, name: `immune-agent-${options.agentId}`, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
    }
    try {
      const agent = new ImmuneAgent(nc, owns, options);
      await agent.start(options.statusTimeoutMs ?? 2000);
      return agent;
    } catch (e) {
      if (owns) await nc.close().catch(() => undefined);
      throw e;
    }
  }

  // ---------------------------------------------------------------- status and enforcement

  get status(): AgentStatus {
    return this.record.status;
  }

  get restrictions(): Restrictions {
    return { ...this.record.restrictions };
  }

  /** The `version` of the status record last seen (0 until the control plane wrote one). */
  get statusVersion(): number {
    return this.record.version;
  }

  /** False until a status was read from the bucket (the agent is then assumed `active`). */
  get statusKnown(): boolean {
    return this.known;
  }

  /** Throws `AgentSuspendedError`/`AgentTerminatedError`/`AgentClosedError` when no work may start now. */
  guard(): void {
    if (this.closed) throw new AgentClosedError(this.agentId);
    const e = blockingError(this.agentId, this.record.status);
    if (e) throw e;
  }

  /** Throws `AgentRestrictedError` while `capability` is cut by the agent's restrictions. */
  assertAllowed(capability: Capability): void {
    this.guard();
    if (isCut(this.record.restrictions, capability)) throw new AgentRestrictedError(this.agentId, capability);
  }

  isAllowed(capability: Capability): boolean {
    return !isCut(this.record.restrictions, capability);
  }

  /**
   * Runs one unit of work if the agent may work now (see `guard()`). The signal aborts when the agent is
   * suspended or terminated while the work runs; the work should stop at its next step.
   */
  async run<T>(work: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    this.guard();
    const ac = new AbortController();
    this.aborters.add(ac);
    try {
      return await work(ac.signal);
    } finally {
      this.aborters.delete(ac);
    }
  }

  /** Resolves once the agent may work (`active` or `restricted`); rejects when it is terminated or closed. */
  waitUntilRunnable(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      /** Settles the promise when the status decides it; false while the agent is (still) suspended. */
      const check = (): boolean => {
        if (this.closed) {
          reject(new AgentClosedError(this.agentId));
          return true;
        }
        const e = blockingError(this.agentId, this.record.status);
        if (!e) {
          resolve();
          return true;
        }
        if (this.record.status === 'terminated') {
          reject(e);
          return true;
        }
        return false;
      };
      if (check()) return;
      const abortError = () => (signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal?.aborted) return reject(abortError());
      const recheck = () => {
        if (check()) cleanup();
      };
      const onAbort = () => {
        cleanup();
        reject(abortError());
      };
      const off = this.on('status', recheck);
      this.closeHooks.add(recheck); // close() settles waiters too
      const cleanup = () => {
        off();
        this.closeHooks.delete(recheck);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---------------------------------------------------------------- events

  on<K extends keyof Listeners>(event: K, listener: Listeners[K]): () => void {
    (this.listeners[event] as Set<Listeners[K]>).add(listener);
    return () => (this.listeners[event] as Set<Listeners[K]>).delete(listener);
  }

  private emit<K extends keyof Listeners>(event: K, ...args: Parameters<Listeners[K]>): void {
    for (const l of this.listeners[event] as Set<(...a: Parameters<Listeners[K]>) => void>) {
      try {
        l(...args);
      } catch (e) {
        if (event !== 'error') this.emit('error', e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  // ---------------------------------------------------------------- healing commands

  /** Registers the handler of one healing action (replacing an earlier one). */
  handle(action: HealingAction, handler: CommandHandler): this {
    this.dispatcher.register(action, handler);
    return this;
  }

  /** Registers several handlers at once: `{ reset_memory: () => …, rollback_prompt: () => … }`. */
  handleAll(handlers: Partial<Record<HealingAction, CommandHandler>>): this {
    for (const [action, handler] of Object.entries(handlers) as [HealingAction, CommandHandler | undefined][]) {
      if (handler) this.dispatcher.register(action, handler);
    }
    return this;
  }

  // ---------------------------------------------------------------- vitals

  /**
   * Queues one vital and returns at once; it is published with the next batch. Returns false when the buffer
   * was full and the oldest queued vital was dropped for it.
   */
  report(vital: VitalReport): boolean {
    if (this.closed) throw new AgentClosedError(this.agentId);
    const full: VitalInput = {
      ts: Date.now(),
      ...(this.opts.agentType !== undefined ? { agentType: this.opts.agentType } : {}),
      ...(this.opts.model !== undefined ? { model: this.opts.model } : {}),
      ...(this.opts.mcpServers !== undefined ? { mcpServers: this.opts.mcpServers } : {}),
      ...vital,
      agentId: this.agentId,
    };
    this.reported++;
    const room = this.buffer.push(this.encoder.encode(JSON.stringify(full)));
    if (this.buffer.size >= this.maxBatch && !this.flushSoon) {
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        this.publishQueued();
      });
    }
    return room;
  }

  /** False while the connection to NATS is down (vitals then wait in the bounded buffer). */
  get connected(): boolean {
    return this.connectedNow && !this.nc.isClosed();
  }

  get stats(): ReporterStats {
    return { reported: this.reported, published: this.published, dropped: this.buffer.dropped, buffered: this.buffer.size, batches: this.batches };
  }

  /** Publishes everything queued and waits until the server has it (throws when NATS is unreachable). */
  async flush(): Promise<void> {
    while (this.buffer.size > 0 && this.connected) {
      const before = this.buffer.size;
      this.publishQueued();
      if (this.buffer.size >= before) break;
    }
    await this.nc.flush();
  }

  /** Publishes up to a few batches now; while disconnected the vitals stay in the bounded buffer. */
  private publishQueued(): void {
    if (!this.connected) return;
    for (let round = 0; round < 10 && this.buffer.size > 0; round++) {
      const batch = this.buffer.take(this.maxBatch);
      const subject = this.names.vitals(this.agentId);
      let i = 0;
      try {
        for (; i < batch.length; i++) this.nc.publish(subject, batch[i]!);
      } catch (e) {
        this.buffer.requeue(batch.slice(i));
        this.published += i;
        this.emit('error', e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.published += batch.length;
      this.batches++;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private async start(statusTimeoutMs: number): Promise<void> {
    this.subscription = this.nc.subscribe(this.names.agentChannel(this.agentId), {
      callback: (err, msg) => {
        if (err) return this.emit('error', err);
        void this.dispatcher.handle(msg.data).then((reply) => {
          try {
            if (msg.reply) msg.respond(this.encoder.encode(JSON.stringify(reply)));
          } catch (e) {
            this.emit('error', e instanceof Error ? e : new Error(String(e)));
          }
          const cmd = parseCommandLoosely(msg.data, reply);
          if (cmd) this.emit('command', cmd, reply);
        });
      },
    });
    void this.followConnection();
    const firstStatus = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, statusTimeoutMs);
      this.watchLoop = this.watchStatus(() => {
        clearTimeout(t);
        resolve();
      });
    });
    await firstStatus;
    this.timer = setInterval(() => this.publishQueued(), this.opts.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  private async followConnection(): Promise<void> {
    const statuses = this.nc.status();
    // the iterator is a queued iterator with stop(): close() ends it, so a shared connection keeps no listener
    this.stopStatuses = () => (statuses as { stop?: () => void }).stop?.();
    for await (const s of statuses) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') this.connectedNow = false;
      else if (s.type === 'reconnect') {
        this.connectedNow = true;
        this.publishQueued();
      }
    }
  }

  /** Reads the current status, then follows every change; retried after errors (e.g. no bucket yet). */
  private async watchStatus(initialized: () => void): Promise<void> {
    let notified = false;
    const done = () => {
      if (!notified) {
        notified = true;
        initialized();
      }
    };
    while (!this.closed) {
      try {
        const kv = await new Kvm(this.nc).open(this.names.statusBucket);
        const current = await kv.get(this.agentId);
        if (current && current.operation === 'PUT') this.apply(parseStatusRecord(current.string()));
        else this.known = true;
        done();
        const iter = await kv.watch({ key: this.agentId });
        if (this.closed) {
          iter.stop();
          break;
        }
        this.stopWatch = () => iter.stop();
        for await (const e of iter) {
          if (e.operation === 'PUT') this.apply(parseStatusRecord(e.string()));
        }
      } catch (e) {
        if (this.closed) break;
        done();
        this.emit('error', e instanceof Error ? e : new Error(String(e)));
      }
      if (!this.closed) await sleep(this.watchRetryMs);
    }
  }

  private apply(next: AgentStatusRecord | null): void {
    if (!next) return;
    this.known = true;
    if (next.version < this.record.version) return;
    const previous = this.record;
    this.record = next;
    const changed = previous.status !== next.status || JSON.stringify(previous.restrictions) !== JSON.stringify(next.restrictions);
    if (!changed) return;
    if (next.status === 'suspended' || next.status === 'terminated') {
      for (const ac of this.aborters) ac.abort(blockingError(this.agentId, next.status));
    }
    this.emit('status', { status: next.status, previous: previous.status, restrictions: { ...next.restrictions }, version: next.version });
  }

  /** Publishes what is queued (when connected), stops the watch and the command channel, closes an owned connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopWatch?.();
    this.stopStatuses?.();
    for (const hook of [...this.closeHooks]) hook();
    for (const ac of this.aborters) ac.abort(new AgentClosedError(this.agentId));
    try {
      if (!this.nc.isClosed()) {
        this.publishQueued();
        this.subscription?.unsubscribe();
        await this.nc.flush();
      }
    } catch {
      // the connection is gone: what was queued stays unpublished (counted in stats.buffered)
    }
    if (this.ownsConnection) await this.nc.close().catch(() => undefined);
    await this.watchLoop.catch(() => undefined);
  }
}

function parseCommandLoosely(data: Uint8Array, reply: AgentCommandReply): AgentCommand | null {
  try {
    const v = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as Partial<AgentCommand>;
    return { commandId: reply.commandId, action: v.action as HealingAction, params: (v.params ?? {}) as Record<string, unknown> };
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
