import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { StoredEvent } from '@immune/contracts';
import { decodeStoredEvent, isPoisonEvent, type PoisonEventError } from './decode-event';

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
