/**
 * The worker thread of readEventBatches (event-stream.reader.ts): reads the event stream and hands the messages to
 * the main thread in batches, beside the main thread, which decodes, evolves and encodes COPY rows.
 *
 * It reads an ephemeral push consumer of its own (no acks, memory storage, flow control, heartbeats), created and
 * deleted with nats.js, whose deliveries it takes off its own plain TCP connection (nats-wire.ts): ~2 µs of
 * JavaScript a message, where nats.js's ordered consumer spent ~15 (a fifth of a whole rebuild's CPU on a
 * 2-core machine). A server that needs TLS, nkeys or JWTs gets a nats.js subscription instead (~10 µs).
 * What the ordered consumer gave is kept: the delivery sequence is checked message by message, and a gap, a
 * consumer gone, heartbeats missing or a broken connection recreate the consumer after the last sequence
 * received; flow control is answered only while the main thread keeps up (the server then stops sending, which
 * bounds what waits here).
 *
 * A batch's payloads are copied into one ArrayBuffer that is transferred, not cloned: the bytes never sit on
 * either thread's JavaScript heap as strings, so they cost neither thread garbage collection.
 *
 * Only Node and npm imports here, and sibling modules that have only those (see worker-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AckPolicy, DeliverPolicy, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { createInbox, Empty, nanos, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ArchiveRows } from './archive-row';
import { WireSubscriber, WireUnsupportedError, wireHeader, wireStatus, type WireFrame } from './nats-wire';

export interface StreamWorkerData {
  servers: string[];
  stream: string;
  fromSeq: number;
  toSeq: number;
  /** Messages per batch. */
  batchSize: number;
  /** Batches sent and not yet taken by the main thread before the worker stops reading (bounds memory). */
  maxAhead: number;
  /** Read through nats.js even when the plain connection would do (for the specs of that path). */
  natsJsOnly?: boolean;
  /** Also write each message's archive COPY row (archive-row.ts), for a rebuild of the archive. */
  archiveRows?: boolean;
}

/**
 * Worker → main. Message i is `bytes[ends[i-1] ?? 0, ends[i])`; with archiveRows, its archive row is
 * `rows[rowEnds[i-1] ?? 0, rowEnds[i])`, empty when it has none (the main thread encodes that one).
 */
export type StreamWorkerMessage =
  | { kind: 'batch'; seqs: number[]; subjects: string[]; bytes: ArrayBuffer; ends: Uint32Array; rows?: ArrayBuffer; rowEnds?: Uint32Array }
  | { kind: 'end' }
  /** The consumer was recreated after this sequence (a gap, a consumer gone, or silence). */
  | { kind: 'restart'; afterSeq: number }
  | { kind: 'error'; message: string };

/** Main → worker: `take` when the main thread took a batch, `stop` to end early. */
export type StreamWorkerCommand = 'take' | 'stop';

/** Room for a batch's payloads; a batch also ends when it is full. */
const BATCH_BYTES = 1024 * 1024;

/** Heartbeats from the server every this many ms; three missed ones recreate the consumer. */
const HEARTBEAT_MS = 2000;

const DOT = 0x2e;
const ACK_PREFIX = Buffer.from('$JS.ACK.');

/**
 * The stream and delivery sequences of a JetStream message from its reply subject, `buf[start, end)`:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens), or with domain, account
 * hash and a trailing token (12; 11 without it). Read from the bytes, from the end; false for anything else.
 */
export function readAckSequences(buf: Buffer, start: number, end: number, out: { streamSeq: number; deliverySeq: number }): boolean {
  if (end - start < ACK_PREFIX.length || buf.compare(ACK_PREFIX, 0, ACK_PREFIX.length, start, start + ACK_PREFIX.length) !== 0) return false;
  let dots = 0;
  for (let i = start; i < end; i++) if (buf[i] === DOT) dots++;
  // Tokens after dseq: ts and pending (9 tokens), and the trailing token (12 tokens).
  const after = dots === 8 || dots === 10 ? 2 : dots === 11 ? 3 : -1;
  if (after < 0) return false;
  let i = end;
  let seen = 0;
  let dseqEnd = -1;
  let sseqEnd = -1;
  let sseqStart = -1;
  while (--i >= start) {
    if (buf[i] !== DOT) continue;
    seen++;
    if (seen === after) dseqEnd = i;
    else if (seen === after + 1) sseqEnd = i;
    else if (seen === after + 2) {
      sseqStart = i + 1;
      break;
    }
  }
  const streamSeq = digits(buf, sseqStart, sseqEnd);
  const deliverySeq = digits(buf, sseqEnd + 1, dseqEnd);
  if (streamSeq < 0 || deliverySeq < 0) return false;
  out.streamSeq = streamSeq;
  out.deliverySeq = deliverySeq;
  return true;
}

function digits(buf: Buffer, start: number, end: number): number {
  if (start < 0 || end <= start || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** readAckSequences of a string (the nats.js path, and the specs). */
export function ackSequences(reply: string): { streamSeq: number; deliverySeq: number } | null {
  const out = { streamSeq: 0, deliverySeq: 0 };
  const buf = Buffer.from(reply);
  return readAckSequences(buf, 0, buf.length, out) ? out : null;
}

/** A status message of the consumer (flow control, heartbeat, consumer deleted…). */
interface ConsumerStatus {
  code: number;
  description: string;
  reply: string;
  /** Nats-Consumer-Stalled: a subject to nudge a consumer waiting for a lost flow-control answer. */
  stalled: string | null;
}

interface DeliveryHandler {
  /** A message of the stream: its payload is `src[start, end)`, to copy before returning. */
  data(subject: string, reply: { streamSeq: number; deliverySeq: number } | null, src: Buffer, start: number, end: number): void;
  status(s: ConsumerStatus): void;
  broken(e: Error): void;
}

/** Where the consumer's deliveries come in: the plain connection, or nats.js. */
interface Deliveries {
  subscribe(subject: string, handler: DeliveryHandler): () => void;
  publish(subject: string): void;
  close(): void;
}

/** Deliveries off the plain connection (nats-wire.ts). */
async function wireDeliveries(servers: string[]): Promise<Deliveries> {
  // One subscription at a time: the consumer's deliver subject (a recreated consumer gets a new one).
  let current: { subject: string; handler: DeliveryHandler } | null = null;
  const seqs = { streamSeq: 0, deliverySeq: 0 };
  const onFrame = (f: WireFrame) => {
    if (!current) return;
    if (f.subject === current.subject) {
      // On the deliver subject itself: a status message. Stream messages keep their own subjects.
      const headers = f.headers;
      const { code, description } = wireStatus(headers);
      current.handler.status({ code, description: description.toLowerCase(), reply: f.reply, stalled: wireHeader(headers, 'Nats-Consumer-Stalled') });
      return;
    }
    current.handler.data(f.subject, readAckSequences(f.buf, f.replyStart, f.replyEnd, seqs) ? seqs : null, f.buf, f.payloadStart, f.payloadEnd);
  };
  let last: unknown = null;
  for (const server of servers) {
    try {
      const wire = await WireSubscriber.connect({
        server,
        name: 'immune-rebuild-reader',
        onFrame,
        onError: (e) => current?.handler.broken(e),
      });
      return {
        subscribe: (subject, handler) => {
          const sub = { subject, handler };
          current = sub;
          const sid = wire.subscribe(subject);
          return () => {
            if (current === sub) current = null;
            wire.unsubscribe(sid);
          };
        },
        publish: (subject) => wire.publish(subject),
        close: () => wire.close(),
      };
    } catch (e) {
      if (e instanceof WireUnsupportedError) throw e;
      last = e;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** Deliveries through a nats.js subscription. */
function natsJsDeliveries(nc: NatsConnection): Deliveries {
  return {
    subscribe: (subject, handler) => {
      const sub = nc.subscribe(subject, {
        callback: (err, m) => {
          if (err) return handler.broken(err);
          if (m.subject === subject) {
            const h = m.headers;
            return handler.status({ code: h?.code ?? 0, description: (h?.description ?? '').toLowerCase(), reply: m.reply ?? '', stalled: h?.get('Nats-Consumer-Stalled') || null });
          }
          const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
          handler.data(m.subject, m.reply ? ackSequences(m.reply) : null, data, 0, data.length);
        },
      });
      return () => sub.unsubscribe();
    },
    publish: (subject) => nc.publish(subject, Empty),
    close: () => undefined,
  };
}

async function run(port: NonNullable<typeof parentPort>, opts: StreamWorkerData): Promise<void> {
  const nc = await connect({ servers: opts.servers, name: 'immune-rebuild-reader', timeout: 5000 });
  let deliveries: Deliveries | null = null;
  try {
    if (!opts.natsJsOnly) {
      try {
        deliveries = await wireDeliveries(opts.servers);
      } catch (e) {
        if (!(e instanceof WireUnsupportedError)) throw e;
      }
    }
    await new StreamReader(deliveries ?? natsJsDeliveries(nc), await jetstreamManager(nc), port, opts).read();
  } finally {
    deliveries?.close();
    await nc.close().catch(() => undefined);
  }
}

class StreamReader {
  private ahead = 0;
  private done = false;
  private failure: Error | null = null;
  private finish: () => void = () => undefined;
  /** Flow-control requests (their reply subjects) held while the main thread is `maxAhead` batches behind. */
  private heldFlowControl: string[] = [];
  private unsubscribe: (() => void) | null = null;
  private consumer: string | null = null;
  private deliverSubject = '';
  /** The next delivery sequence expected from the current consumer, and the last stream sequence received. */
  private nextDelivery = 1;
  private lastSeq: number;
  private lastActivity = Date.now();
  private recreating = false;

  private seqs: number[] = [];
  private subjects: string[] = [];
  private readonly ends: Uint32Array;
  private bytes = new Uint8Array(BATCH_BYTES);
  private size = 0;
  private readonly rows: ArchiveRows | null;
  private readonly rowEnds: Uint32Array;

  constructor(
    private readonly deliveries: Deliveries,
    private readonly jsm: JetStreamManager,
    private readonly port: NonNullable<typeof parentPort>,
    private readonly opts: StreamWorkerData,
  ) {
    this.lastSeq = opts.fromSeq - 1;
    this.ends = new Uint32Array(opts.batchSize);
    this.rows = opts.archiveRows ? new ArchiveRows() : null;
    this.rowEnds = new Uint32Array(opts.archiveRows ? opts.batchSize : 0);
  }

  async read(): Promise<void> {
    const finished = new Promise<void>((resolve) => (this.finish = resolve));
    this.port.on('message', (cmd: StreamWorkerCommand) => {
      if (cmd === 'take') {
        this.ahead--;
        if (this.ahead < this.opts.maxAhead) this.releaseFlowControl();
      } else {
        // Stopped by the main thread: no end message, just close.
        this.done = true;
        this.finish();
      }
    });
    const watchdog = setInterval(() => {
      if (!this.done && !this.recreating && Date.now() - this.lastActivity > 3 * HEARTBEAT_MS) void this.recreate();
    }, HEARTBEAT_MS);
    try {
      await this.open();
      await finished;
      if (this.failure) throw this.failure;
    } finally {
      clearInterval(watchdog);
      await this.close();
    }
  }

  /** Subscribes first, then creates the consumer from the sequence after the last one received. */
  private async open(): Promise<void> {
    this.deliverSubject = createInbox();
    this.nextDelivery = 1;
    this.lastActivity = Date.now();
    const subject = this.deliverSubject;
    this.unsubscribe = this.deliveries.subscribe(subject, {
      data: (subj, at, src, start, end) => this.onData(subject, subj, at, src, start, end),
      status: (st) => this.onStatus(subject, st),
      broken: (e) => this.fail(e),
    });
    const info = await this.jsm.consumers.add(this.opts.stream, {
      deliver_subject: subject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.lastSeq + 1,
      flow_control: true,
      idle_heartbeat: nanos(HEARTBEAT_MS),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(30_000),
    });
    this.consumer = info.name;
  }

  private async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const name = this.consumer;
    this.consumer = null;
    if (name) await this.jsm.consumers.delete(this.opts.stream, name).catch(() => undefined);
  }

  /** After a gap, a vanished consumer or silence: a new consumer from where this one left off. */
  private async recreate(): Promise<void> {
    if (this.recreating || this.done) return;
    this.recreating = true;
    try {
      await this.close();
      this.port.postMessage({ kind: 'restart', afterSeq: this.lastSeq } satisfies StreamWorkerMessage);
      await this.open();
    } catch (e) {
      this.fail(e);
    } finally {
      this.recreating = false;
    }
  }

  private onData(deliverSubject: string, subject: string, at: { streamSeq: number; deliverySeq: number } | null, src: Buffer, start: number, end: number): void {
    if (this.done || deliverSubject !== this.deliverSubject) return; // a consumer already replaced
    this.lastActivity = Date.now();
    if (!at) return this.fail(new Error(`unexpected message on the consumer of ${this.opts.stream} (${subject}): not a JetStream delivery`));
    if (at.deliverySeq !== this.nextDelivery || at.streamSeq <= this.lastSeq) {
      void this.recreate();
      return;
    }
    this.nextDelivery++;
    if (at.streamSeq > this.opts.toSeq) return this.end();
    this.lastSeq = at.streamSeq;
    this.add(at.streamSeq, subject, src, start, end);
    if (at.streamSeq >= this.opts.toSeq) this.end();
  }

  private onStatus(deliverSubject: string, st: ConsumerStatus): void {
    if (this.done || deliverSubject !== this.deliverSubject) return;
    this.lastActivity = Date.now();
    if (st.code === 100 && st.description === 'flowcontrol request') {
      if (this.ahead >= this.opts.maxAhead) this.heldFlowControl.push(st.reply);
      else this.deliveries.publish(st.reply);
    } else if (st.code === 100) {
      // A heartbeat; a stalled consumer names a subject to nudge it (nats.js does the same) — not while this
      // holds flow control back on purpose.
      if (st.stalled && this.heldFlowControl.length === 0) this.deliveries.publish(st.stalled);
    } else if (st.code === 409 || st.code === 404) {
      void this.recreate();
    }
  }

  private releaseFlowControl(): void {
    const held = this.heldFlowControl;
    this.heldFlowControl = [];
    for (const reply of held) if (reply) this.deliveries.publish(reply);
  }

  private add(seq: number, subject: string, src: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.size + length > this.bytes.byteLength) {
      if (this.seqs.length > 0) this.send();
      if (length > this.bytes.byteLength) this.bytes = new Uint8Array(length);
    }
    src.copy(this.bytes, this.size, start, end);
    this.size += length;
    this.ends[this.seqs.length] = this.size;
    if (this.rows) {
      this.rows.append(src, start, end, seq, subject);
      this.rowEnds[this.seqs.length] = this.rows.pos;
    }
    this.seqs.push(seq);
    this.subjects.push(subject);
    if (this.seqs.length >= this.opts.batchSize) this.send();
  }

  private send(): void {
    this.ahead++;
    // slice: an ArrayBuffer of exactly this batch's bytes (transferring `bytes` itself would hand over the spare room
    // too, and allocating a fresh one per batch measured slower than this copy).
    const buffer = this.bytes.buffer.slice(0, this.size);
    const message: Extract<StreamWorkerMessage, { kind: 'batch' }> = { kind: 'batch', seqs: this.seqs, subjects: this.subjects, bytes: buffer, ends: this.ends.slice(0, this.seqs.length) };
    const transfer = [buffer];
    if (this.rows) {
      const rows = this.rows.take();
      message.rows = rows;
      message.rowEnds = this.rowEnds.slice(0, this.seqs.length);
      transfer.push(rows);
    }
    this.port.postMessage(message, transfer);
    this.seqs = [];
    this.subjects = [];
    this.size = 0;
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    if (this.seqs.length > 0) this.send();
    this.port.postMessage({ kind: 'end' } satisfies StreamWorkerMessage);
    this.finish();
  }

  private fail(e: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.finish();
  }
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as StreamWorkerData).then(
    () => port.close(),
    (e: unknown) => {
      port.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) } satisfies StreamWorkerMessage);
      port.close();
    },
  );
}
