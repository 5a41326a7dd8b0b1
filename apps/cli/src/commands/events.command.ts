import type { Command } from 'commander';
import { names as namesOf, type EventEnvelope, type Names } from '@immune/contracts';
import { loadConfig } from '@immune/platform-runtime';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, parseEnvelope, verifyStream } from '@immune/platform-jetstream';

export function registerEvents(program: Command): void {
  const events = program.command('events').description('the JetStream event log');
  events
    .command('verify')
    .description('walk every hash chain and checkpoint of the stream; exit 1 at the first broken link')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const names = namesOf(config.namespace);
      const { nc } = await connectNats(config.natsServers, 'immune-cli');
      try {
        const result = await verifyStream(nc, names);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else if (result.valid) {
          process.stdout.write(`valid: ${result.checked} events and ${result.checkpoints} checkpoints verified in ${names.eventsStream}\n`);
        } else {
          const b = result.brokenAt;
          process.stdout.write(
            `BROKEN after ${result.checked} good events: seq ${b?.seq ?? '?'} ${b?.subject ?? ''} ${b?.eventId ? `event ${b.eventId}` : ''} — ${b?.reason ?? 'unknown'}\n`,
          );
        }
        process.exitCode = result.valid ? 0 : 1;
      } finally {
        await nc.close();
      }
    });
  events
    .command('tail')
    .description('print events as they are appended (from the end, or from --from SEQ)')
    .option('--from <seq>', 'start at this stream sequence (1 = the whole log)', (v) => Number.parseInt(v, 10))
    .option('--agent <agentId>', 'only this agent')
    .option('--json', 'one JSON envelope a line')
    .action(async (opts: { from?: number; agent?: string; json?: boolean }) => {
      const config = loadConfig();
      const names = namesOf(config.namespace);
      const { nc } = await connectNats(config.natsServers, 'immune-cli');
      const stop = () => void nc.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      const filter = opts.agent ? names.agentEvents(opts.agent) : undefined;
      for await (const e of tailEvents(nc, names, { ...(opts.from ? { fromSeq: opts.from } : {}), ...(filter ? { filterSubject: filter } : {}) })) {
        process.stdout.write(opts.json ? `${JSON.stringify({ seq: e.seq, ...e.envelope })}\n` : `${formatEvent(e.seq, e.envelope)}\n`);
      }
    });
}

function formatEvent(seq: number, e: EventEnvelope): string {
  const data = JSON.stringify(e.data);
  return `#${seq} ${e.occurredAt} ${e.type.padEnd(20)} ${e.aggregate}/${e.aggregateId} by ${e.actor} ${data.length > 160 ? `${data.slice(0, 157)}...` : data} ${e.hash.slice(0, 12)}`;
}

/** Follows the event stream from the end (or a sequence) until interrupted: an ordered consumer, nothing durable. */
async function* tailEvents(nc: NatsConnection, names: Names, opts: { fromSeq?: number; filterSubject?: string }) {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(names.eventsStream, {
    ...(opts.filterSubject ? { filter_subjects: opts.filterSubject } : {}),
    ...(opts.fromSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.fromSeq } : { deliver_policy: DeliverPolicy.New }),
  });
  const messages = await consumer.consume();
  for await (const m of messages) {
    yield { seq: m.seq, envelope: parseEnvelope(m.data) };
  }
}
