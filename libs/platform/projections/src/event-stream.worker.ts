/**
 * The worker thread of readEventBatches (event-stream.reader.ts): reads the event stream on its own NATS
 * connection and hands the messages to the main thread in batches. The NATS client's share of a rebuild —
 * protocol parsing, the ordered consumer's bookkeeping, ~7 µs a message, a third of what the main thread did —
 * runs beside the main thread, which decodes, evolves and encodes COPY rows.
 *
 * A batch's payloads are copied into one ArrayBuffer that is transferred, not cloned: the bytes never sit on
 * either thread's JavaScript heap as strings, so they cost neither thread garbage collection (each message as a
 * string, queued for the main thread, made the worker's scavenges copy megabytes).
 *
 * Only Node and npm imports here (see worker-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface StreamWorkerData {
  servers: string[];
  stream: string;
  fromSeq: number;
  toSeq: number;
  /** Messages per batch. */
  batchSize: number;
  /** Batches sent and not yet taken by the main thread before the worker stops reading (bounds memory). */
  maxAhead: number;
}

/** Worker → main. Message i is `bytes[ends[i-1] ?? 0, ends[i])`. */
export type StreamWorkerMessage =
  | { kind: 'batch'; seqs: number[]; subjects: string[]; bytes: ArrayBuffer; ends: Uint32Array }
  | { kind: 'end' }
  | { kind: 'error'; message: string };

/** Main → worker: `take` when the main thread took a batch, `stop` to end early. */
export type StreamWorkerCommand = 'take' | 'stop';

/** Room for a batch's payloads; a batch also ends when it is full. */
const BATCH_BYTES = 1024 * 1024;

async function run(port: NonNullable<typeof parentPort>, opts: StreamWorkerData): Promise<void> {
  let ahead = 0;
  let stopped = false;
  let wake: (() => void) | null = null;
  let stopReading: () => void = () => undefined;
  port.on('message', (cmd: StreamWorkerCommand) => {
    if (cmd === 'take') ahead--;
    else {
      stopped = true;
      stopReading();
    }
    const w = wake;
    wake = null;
    w?.();
  });

  const nc = await connect({ servers: opts.servers, name: 'immune-rebuild-reader', timeout: 5000 });
  try {
    // The same ordered push consumer as readEventStream: ephemeral, no acks, flow control answered as we take.
    const consumer = await jetstream(nc).consumers.getPushConsumer(opts.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: opts.fromSeq,
    });
    const messages = await consumer.consume();
    stopReading = () => messages.stop();
    if (stopped) messages.stop();
    try {
      let seqs: number[] = [];
      let subjects: string[] = [];
      const ends = new Uint32Array(opts.batchSize);
      let bytes = new Uint8Array(BATCH_BYTES);
      let size = 0;
      const send = async () => {
        while (ahead >= opts.maxAhead && !stopped) await new Promise<void>((r) => (wake = r));
        if (stopped) return;
        ahead++;
        // slice: an ArrayBuffer of exactly this batch's bytes (transferring `bytes` itself would hand over the spare room too).
        const buffer = bytes.buffer.slice(0, size);
        port.postMessage({ kind: 'batch', seqs, subjects, bytes: buffer, ends: ends.slice(0, seqs.length) } satisfies StreamWorkerMessage, [buffer]);
        seqs = [];
        subjects = [];
        size = 0;
      };
      for await (const m of messages) {
        const seq = m.seq;
        if (seq > opts.toSeq || stopped) break;
        const data = m.data;
        if (size + data.byteLength > bytes.byteLength) {
          if (seqs.length > 0) await send();
          if (data.byteLength > bytes.byteLength) bytes = new Uint8Array(data.byteLength);
        }
        bytes.set(data, size);
        size += data.byteLength;
        ends[seqs.length] = size;
        seqs.push(seq);
        subjects.push(m.subject);
        if (seqs.length >= opts.batchSize) await send();
        if (seq >= opts.toSeq) break;
      }
      if (seqs.length > 0) await send();
      if (!stopped) port.postMessage({ kind: 'end' } satisfies StreamWorkerMessage);
    } finally {
      messages.stop();
      await consumer.delete().catch(() => undefined);
    }
  } finally {
    await nc.close().catch(() => undefined);
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
