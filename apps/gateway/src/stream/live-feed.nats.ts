import { DeliverPolicy, jetstream, jetstreamManager, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Names } from '@immune/contracts';
import type { LiveFeedSource, LogTail, RawLogMessage } from './live-feed';

/** The live feed's source on NATS: an ordered consumer on `{NS}_EVENTS`, and the two streams' last sequences. */
export function natsFeedSource(nc: NatsConnection, names: Names): LiveFeedSource {
  const js = jetstream(nc);
  const jsmP = jetstreamManager(nc, { checkAPI: false });
  return {
    tail(from: number | 'new'): LogTail {
      let closed = false;
      let close: (() => Promise<void>) | null = null;
      async function* messages(): AsyncGenerator<RawLogMessage> {
        const opts: Partial<OrderedConsumerOptions> =
          from === 'new' ? { deliver_policy: DeliverPolicy.New } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from };
        const consumer = await js.consumers.get(names.eventsStream, opts);
        const iter = await consumer.consume({ max_messages: 256 });
        close = async () => {
          await iter.close().catch(() => undefined);
          await consumer.delete().catch(() => undefined);
        };
        if (closed) await close();
        for await (const m of iter) yield { seq: m.seq, subject: m.subject, data: m.data };
      }
      return {
        messages: messages(),
        close: async () => {
          closed = true;
          await close?.();
        },
      };
    },
    async counters() {
      const jsm = await jsmP;
      const [vitals, events] = await Promise.all([jsm.streams.info(names.vitalsStream), jsm.streams.info(names.eventsStream)]);
      return { vitalsSeq: vitals.state.last_seq, eventsSeq: events.state.last_seq };
    },
  };
}
