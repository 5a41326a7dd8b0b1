import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentCommandReply, AgentCommandRequest, Names, ReportInfection } from '@immune/contracts';

/** A `ReportInfection` request on `{ns}.commands.agent`. */
export type InfectionRequest = Omit<AgentCommandRequest, 'command'> & { command: ReportInfection };

export type SendOutcome = { ok: true; reply: AgentCommandReply & { ok: true } } | { ok: false; reason: string };

export interface InfectionSenderOptions {
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /** Reply timeout per attempt (default 5 s). */
  timeoutMs?: number;
  /** Attempts per request, the first included (default 4); the same commandId makes them idempotent. */
  attempts?: number;
  /** Requests waiting beyond this many are dropped, oldest first (default 10,000). */
  maxQueue?: number;
  /** Delay before attempt k (k ≥ 1): backoffMs × 3^(k−1) (default 250 ms). */
  backoffMs?: number;
}

/** Refusals worth another attempt with the same commandId; any other refusal is final. */
const RETRYABLE = new Set<string>(['INTERNAL', 'CONCURRENCY.CONFLICT', 'SERVICE.UNAVAILABLE', 'SERVICE.TIMEOUT']);

/**
 * Fire-and-forget delivery of infections: `send` only queues, so the scoring hot path never waits. A small
 * pool sends them as requests with a timeout and retries transport failures (timeout, no responder) with
 * backoff; a refusal in the reply is final. `onOutcome` hears how each one ended.
 */
export class InfectionSender {
  private readonly queue: InfectionRequest[] = [];
  private inFlight = 0;
  private readonly idle: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly maxQueue: number;
  private readonly backoffMs: number;
  dropped = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly onOutcome: (request: InfectionRequest, outcome: SendOutcome) => void,
    opts: InfectionSenderOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 16;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.attempts = opts.attempts ?? 4;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.backoffMs = opts.backoffMs ?? 250;
  }

  send(request: InfectionRequest): void {
    this.queue.push(request);
    if (this.queue.length > this.maxQueue) {
      const lost = this.queue.shift();
      this.dropped++;
      if (lost) this.onOutcome(lost, { ok: false, reason: 'dropped: too many infections waiting' });
    }
    this.pump();
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves when nothing is queued or in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const request = this.queue.shift() as InfectionRequest;
      this.inFlight++;
      void this.deliver(request)
        .then((outcome) => this.onOutcome(request, outcome))
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }

  private async deliver(request: InfectionRequest): Promise<SendOutcome> {
    const body = JSON.stringify(request);
    let reason = 'not sent';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs * 3 ** (attempt - 1)));
      if (this.nc.isClosed()) return { ok: false, reason: 'connection closed' };
      try {
        const msg = await this.nc.request(this.names.agentCommands, body, { timeout: this.timeoutMs });
        const reply = msg.json<AgentCommandReply>();
        if (reply.ok) return { ok: true, reply };
        reason = `${reply.error.code}: ${reply.error.detail}`;
        if (!RETRYABLE.has(reply.error.code)) return { ok: false, reason };
      } catch (e) {
        reason = e instanceof Error ? e.message : String(e);
      }
    }
    return { ok: false, reason };
  }
}
