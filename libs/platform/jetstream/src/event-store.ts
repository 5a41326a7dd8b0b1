import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import type { AggregateKind, EventEnvelope, Names, NewEvent, StoredEvent } from '@immune/contracts';
import { parseEnvelope, sealEnvelope, type UnsealedEnvelope } from './hash-chain';
import { toConcurrencyError } from './errors';
import { lastOfSubject, readStreamRaw, type RawMessage, type ReadStreamOptions } from './stream-reader';

export interface AppendParams {
  aggregate: AggregateKind;
  aggregateId: string;
  agentId?: string;
  events: readonly NewEvent[];
  /** Stream sequence of the aggregate's last event as the caller read it; 0 = the aggregate is new. */
  expectedVersion: number;
  /** Hash of the aggregate's last event; null for a new aggregate. */
  prevHash: string | null;
  actor: string;
  correlationId: string;
  causationId: string;
  /** ISO-8601 UTC; the decider's clock, stored as `occurredAt`. */
  now: string;
  /** Event ids; default `${causationId}:${index}`, so a retried command dedupes within the 2-minute window. */
  eventId?: (index: number) => string;
}

export interface AppendedEvent extends StoredEvent {
  /** The stream already held this event id (a retry): it was not stored again; `envelope` is the stored one. */
  duplicate: boolean;
}

export interface AppendResult {
  events: AppendedEvent[];
  /** The aggregate's version after the append (stream sequence of its last event). */
  version: number;
  lastHash: string | null;
  /** True when every event was a duplicate: the whole command had been applied before. */
  duplicate: boolean;
}

export interface AggregateStream {
  events: StoredEvent[];
  version: number;
  lastHash: string | null;
}

/**
 * The event log of one namespace: optimistic appends (expected version = last subject sequence), idempotent by
 * event id, hash-chained per aggregate; and in-order reads of an aggregate or the whole stream.
 */
export class EventStore {
  private readonly js: JetStreamClient;
  private jsmP: Promise<JetStreamManager> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    readonly names: Names,
  ) {
    this.js = jetstream(nc);
  }

  private jsm(): Promise<JetStreamManager> {
    // checkAPI false: connectNats already checked JetStream once; no account-info round trip per store.
    this.jsmP ??= jetstreamManager(this.nc, { checkAPI: false });
    return this.jsmP;
  }

  subject(aggregate: AggregateKind, aggregateId: string): string {
    return this.names.eventSubject(aggregate, aggregateId);
  }

  /**
   * Appends the events one by one (NATS 2.9 has no atomic batch): each expects the previous one's sequence, so
   * a concurrent writer makes the append fail with a ConcurrencyError instead of interleaving. Events before
   * the refused one stay stored; a retry with the same causation id dedupes them.
   */
  async append(p: AppendParams): Promise<AppendResult> {
    const subject = this.subject(p.aggregate, p.aggregateId);
    let version = p.expectedVersion;
    let prevHash = p.prevHash;
    const out: AppendedEvent[] = [];
    for (let i = 0; i < p.events.length; i++) {
      const event = p.events[i]!;
      const id = p.eventId ? p.eventId(i) : `${p.causationId}:${i}`;
      const unsealed: UnsealedEnvelope = {
        schemaVersion: 1,
        id,
        type: event.type,
        aggregate: p.aggregate,
        aggregateId: p.aggregateId,
        ...(p.agentId !== undefined ? { agentId: p.agentId } : {}),
        occurredAt: p.now,
        actor: p.actor,
        correlationId: p.correlationId,
        causationId: p.causationId,
        data: event.data,
        prevHash,
      };
      const envelope = sealEnvelope(unsealed);
      let ack: PubAck;
      try {
        ack = await this.js.publish(subject, JSON.stringify(envelope), { msgID: id, expect: { lastSubjectSequence: version } });
      } catch (e) {
        throw toConcurrencyError(e, subject, version, i) ?? e;
      }
      let stored: AppendedEvent = { seq: ack.seq, subject, envelope, duplicate: ack.duplicate };
      if (ack.duplicate) stored = await this.storedDuplicate(ack.seq, subject, id);
      out.push(stored);
      version = stored.seq;
      prevHash = stored.envelope.hash;
    }
    return { events: out, version, lastHash: prevHash, duplicate: out.length > 0 && out.every((e) => e.duplicate) };
  }

  /**
   * A duplicate ack points at the event stored by the first attempt, whose time (and so hash) may differ from
   * the retry's: continue the chain from what is stored, not from what we built.
   */
  private async storedDuplicate(seq: number, subject: string, id: string): Promise<AppendedEvent> {
    const jsm = await this.jsm();
    const msg = await jsm.streams.getMessage(this.names.eventsStream, { seq });
    if (!msg) throw new Error(`duplicate event ${id} points at sequence ${seq}, which is missing`);
    const envelope = parseEnvelope(msg.data);
    if (msg.subject !== subject || envelope.id !== id) {
      throw new Error(`event id ${id} was already used by sequence ${seq} on ${msg.subject} (within the duplicate window)`);
    }
    return { seq, subject, envelope, duplicate: true };
  }

  /** Every event of one aggregate, in order; returns at once for an aggregate without events. */
  async readAggregate(aggregate: AggregateKind, aggregateId: string): Promise<AggregateStream> {
    const subject = this.subject(aggregate, aggregateId);
    const last = await this.lastOfSubject(subject);
    if (!last) return { events: [], version: 0, lastHash: null };
    const events: StoredEvent[] = [];
    for await (const raw of this.readStreamRaw({ filterSubject: subject, untilSeq: last.seq })) {
      events.push({ seq: raw.seq, subject: raw.subject, envelope: parseEnvelope(raw.data) });
    }
    const tail = events[events.length - 1];
    return { events, version: tail?.seq ?? 0, lastHash: tail?.envelope.hash ?? null };
  }

  /** The last event of a subject, or null. */
  async lastOfSubject(subject: string): Promise<StoredEvent | null> {
    const msg = await lastOfSubject(await this.jsm(), this.names.eventsStream, subject);
    return msg ? { seq: msg.seq, subject: msg.subject, envelope: parseEnvelope(msg.data) } : null;
  }

  /** The log in stream order up to its last sequence as of the call, parsed (throws on a malformed message). */
  async *readStream(opts: ReadStreamOptions = {}): AsyncGenerator<StoredEvent<string, unknown>, void, undefined> {
    for await (const raw of this.readStreamRaw(opts)) {
      const envelope: EventEnvelope = parseEnvelope(raw.data);
      yield { seq: raw.seq, subject: raw.subject, envelope };
    }
  }

  /** The log as stored bytes, for verification of possibly tampered data. */
  async *readStreamRaw(opts: ReadStreamOptions = {}): AsyncGenerator<RawMessage, void, undefined> {
    yield* readStreamRaw(this.js, await this.jsm(), this.names.eventsStream, opts);
  }
}
