import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type OrderedConsumerOptions, type StoredMsg } from '@nats-io/jetstream';
import { isNoMessageFound } from './errors';

/** A message as the stream stored it: bytes unparsed, so a verifier sees exactly what was tampered with. */
export interface RawMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

export interface ReadStreamOptions {
  /** First stream sequence to read (default 1). */
  fromSeq?: number;
  /** One subject filter (NATS 2.9 has no `filter_subjects` arrays). */
  filterSubject?: string;
  /** Last sequence to read; default: the stream's last sequence when the read starts. */
  untilSeq?: number;
  /** Messages requested per pull (default 2048); bounds memory while keeping the pipe full. */
  batch?: number;
}

/**
 * Reads a stream in order with an ordered (ephemeral, unacked, memory-backed) consumer and ends at the stream's
 * last sequence as of the call, so a replay of a live log terminates. Pull batches are refilled before they run
 * dry, which is what makes a 200k-message replay fast.
 */
export async function* readStreamRaw(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  opts: ReadStreamOptions = {},
): AsyncGenerator<RawMessage, void, undefined> {
  const from = Math.max(1, opts.fromSeq ?? 1);
  const until = opts.untilSeq ?? (await jsm.streams.info(stream)).state.last_seq;
  if (until < from) return;
  const oc: Partial<OrderedConsumerOptions> = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from };
  if (opts.filterSubject) oc.filter_subjects = opts.filterSubject; // a string is sent as 2.9's `filter_subject`
  const consumer = await js.consumers.get(stream, oc);
  try {
    // Nothing to deliver (e.g. a filter that matches nothing yet): return now instead of waiting on a pull.
    if ((await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume({ max_messages: opts.batch ?? 2048 });
    try {
      for await (const m of messages) {
        if (m.seq > until) break;
        yield { seq: m.seq, subject: m.subject, data: m.data };
        // `pending` = messages after this one matching the filter: 0 means we have read everything there is.
        if (m.seq >= until || m.info.pending === 0) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/** The last message stored on a subject, or null when the subject has none (404/10037 is not an error here). */
export async function lastOfSubject(jsm: JetStreamManager, stream: string, subject: string): Promise<StoredMsg | null> {
  try {
    return await jsm.streams.getMessage(stream, { last_by_subj: subject });
  } catch (e) {
    if (isNoMessageFound(e)) return null;
    throw e;
  }
}
