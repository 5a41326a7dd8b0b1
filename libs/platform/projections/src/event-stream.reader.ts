import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { StoredEvent } from '@immune/contracts';
import { once } from 'node:events';
import { decodeStoredEvent, isPoisonEvent, type PoisonEventError } from './decode-event';
import type { StreamWorkerCommand, StreamWorkerData, StreamWorkerMessage } from './event-stream.worker';
import { startWorker } from './worker-thread';

export interface ReadEventStreamOptions {
  nc: NatsConnection;
  /** `names.eventsStream`. */
  stream: string;
  /** First stream sequence (default 1). */
  fromSeq?: number;
  /** Last stream sequence (default, and at most: the stream's last sequence when the read starts). */
  toSeq?: number;
  /** A message that does not decode is skipped (the live projector terminates the same ones). */
  onPoison?: (e: PoisonEventError) => void;
}

/** The stream's last sequence (0 when empty), or null when there is no such stream. */
export async function lastStreamSeq(nc: NatsConnection, stream: string): Promise<number | null> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  try {
    return (await jsm.streams.info(stream)).state.last_seq;
  } catch (e) {
    if (/stream not found/i.test(e instanceof Error ? e.message : String(e))) return null;
    throw e;
  }
}

/**
 * Reads the event log in order, decoded, from `fromSeq` to `toSeq`, with an ordered push consumer (ephemeral,
 * memory storage, no acks, flow control): the server streams as fast as we take, a gap or stall makes the
 * client recreate the consumer where it left off, and flow control is answered only as we consume, which bounds
 * what is buffered. Each message is JSON-parsed once.
 */
export async function* readEventStream(opts: ReadEventStreamOptions): AsyncGenerator<StoredEvent, void, undefined> {
  const from = Math.max(1, opts.fromSeq ?? 1);
  const last = (await lastStreamSeq(opts.nc, opts.stream)) ?? 0;
  const to = Math.min(opts.toSeq ?? last, last);
  if (to < from) return;
  const consumer = await jetstream(opts.nc).consumers.getPushConsumer(opts.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const seq = m.seq;
      if (seq > to) break;
      let event: StoredEvent | null = null;
      try {
        event = decodeStoredEvent(seq, m.subject, m.data);
      } catch (e) {
        if (!isPoisonEvent(e)) throw e;
        opts.onPoison?.(e);
      }
      if (event) yield event;
      if (seq >= to) break;
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
}

export interface ReadEventBatchesOptions {
  /** NATS servers: the reading thread opens its own connection. */
  servers: string[];
  stream: string;
  /** First stream sequence (default 1). */
  fromSeq?: number;
  /** Last stream sequence (the caller's `lastStreamSeq`: the worker does not look it up). */
  toSeq: number;
  onPoison?: (e: PoisonEventError) => void;
  /** Messages per batch (default 1000). */
  batchSize?: number;
  /** The reader recreated its consumer after this sequence (a gap, its consumer gone, or the server silent). */
  onRestart?: (afterSeq: number) => void;
  /** Take the deliveries through nats.js even where the plain connection would do (the specs of that path). */
  natsJsOnly?: boolean;
  /**
   * Have the reader thread write each message's archive COPY row (archive-row.ts): the events come as
   * ReplayedEvents carrying it, where the message allowed.
   */
  archiveRows?: boolean;
}

/**
 * An event of readEventBatches with its archive COPY row, written by the reader thread from the message's bytes:
 * `archiveRows[archiveRowStart, archiveRowEnd)`, the bytes the main thread would encode for it (archive-row.ts).
 * Rows of one batch lie back to back in one Buffer.
 */
export interface ReplayedEvent extends StoredEvent {
  archiveRows?: Buffer;
  archiveRowStart?: number;
  archiveRowEnd?: number;
}

/**
 * readEventStream for a whole replay: the same ordered push consumer and the same decoding, but NATS is read on a
 * worker thread (event-stream.worker.ts) that passes the payloads over in batches of raw bytes. Yields one
 * iterable per batch that decodes each event as it is taken, so the caller evolves and encodes an event while
 * it is fresh (a batch decoded up front keeps ~1.5 MB of parsed objects alive through every scavenge). Each
 * message is decoded once, on this thread: parsed objects do not cross threads for free (a structured clone
 * costs about what JSON.parse does).
 */
export async function* readEventBatches(opts: ReadEventBatchesOptions): AsyncGenerator<Iterable<ReplayedEvent>, void, undefined> {
  const from = Math.max(1, opts.fromSeq ?? 1);
  if (opts.toSeq < from) return;
  // Up to 64 batches (≤ 1 MiB each) ahead. Generous on purpose: a worker that has to wait stops taking messages
  // from the NATS client, whose queue — up to the server's flow-control window of parsed messages — then
  // survives every scavenge of the worker's heap. Waiting batches are ArrayBuffers, outside both heaps.
  const data: StreamWorkerData = { servers: opts.servers, stream: opts.stream, fromSeq: from, toSeq: opts.toSeq, batchSize: opts.batchSize ?? 1000, maxAhead: 64, natsJsOnly: opts.natsJsOnly === true, archiveRows: opts.archiveRows === true };
  const worker = startWorker('event-stream.worker', data);
  const inbox: StreamWorkerMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: StreamWorkerMessage) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (e) => {
    failure ??= e;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  const command = (c: StreamWorkerCommand) => worker.postMessage(c);
  try {
    for (;;) {
      while (inbox.length === 0 && !failure && !exited) await new Promise<void>((r) => (wake = r));
      const m = inbox.shift();
      if (!m) throw failure ?? new Error(`the stream reader of ${opts.stream} stopped before seq ${opts.toSeq}`);
      if (m.kind === 'end') return;
      if (m.kind === 'error') throw new Error(`reading ${opts.stream}: ${m.message}`);
      if (m.kind === 'restart') {
        opts.onRestart?.(m.afterSeq);
        continue;
      }
      // Taken: the worker reads on while this batch is decoded and applied.
      command('take');
      yield decodeBatch(m, opts.onPoison);
    }
  } finally {
    if (!exited) {
      // Lets the worker delete its consumer and close its connection; it gets a few seconds, then it is ended.
      command('stop');
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await once(worker, 'exit').catch(() => undefined);
      clearTimeout(timer);
    }
  }
}

function* decodeBatch(batch: Extract<StreamWorkerMessage, { kind: 'batch' }>, onPoison?: (e: PoisonEventError) => void): Generator<ReplayedEvent, void, undefined> {
  const bytes = Buffer.from(batch.bytes);
  const rows = batch.rows ? Buffer.from(batch.rows) : null;
  let start = 0;
  let rowStart = 0;
  for (let i = 0; i < batch.seqs.length; i++) {
    const end = batch.ends[i]!;
    const rowEnd = rows ? batch.rowEnds![i]! : 0;
    const hasRow = rows !== null && rowEnd > rowStart;
    let event: ReplayedEvent | null = null;
    try {
      event = decodeStoredEvent(batch.seqs[i]!, batch.subjects[i]!, bytes.toString('utf8', start, end), { delimitData: !hasRow });
    } catch (e) {
      if (!isPoisonEvent(e)) throw e;
      onPoison?.(e);
    }
    start = end;
    if (event && hasRow) {
      event.archiveRows = rows;
      event.archiveRowStart = rowStart;
      event.archiveRowEnd = rowEnd;
    }
    rowStart = rowEnd;
    if (event) yield event;
  }
}
