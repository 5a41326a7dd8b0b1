import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';

export interface VitalsFeedLogger {
  warn(fields: object, message: string): void;
}

/**
 * One ordered (ephemeral, unacked) consumer over the whole vitals stream, delivering to a synchronous
 * callback — no per-message promise. It can be restarted at an earlier sequence when a partition with older
 * progress is taken over; a generation counter makes sure no message of a stopped consumer is handled after
 * `stop` returns.
 */
export class VitalsFeed {
  private generation = 0;
  private messages: ConsumerMessages | null = null;
  private running = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly onMessage: (m: JsMsg) => void,
    private readonly log: VitalsFeedLogger,
    private readonly batch = 4096,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** (Re)starts delivery at stream sequence `seq`. */
  async startAt(seq: number): Promise<void> {
    await this.stop();
    const generation = ++this.generation;
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, seq) });
    if (generation !== this.generation) return;
    this.messages = await consumer.consume({
      max_messages: this.batch,
      callback: (m) => {
        if (generation === this.generation) this.onMessage(m);
      },
    });
    this.running = true;
    void this.messages.closed().then((err) => {
      if (err && generation === this.generation) this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'vitals consumer stopped');
    });
  }

  async stop(): Promise<void> {
    this.generation++;
    this.running = false;
    const m = this.messages;
    this.messages = null;
    if (m) await m.close().catch(() => undefined);
  }
}
