import type { AggregateKind } from './namespace';

/** One message of the event log, exactly as stored in `{NS}_EVENTS` (see CONTRACT.md). */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  schemaVersion: 1;
  id: string;
  type: TType;
  aggregate: AggregateKind;
  aggregateId: string;
  agentId?: string;
  occurredAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  data: TData;
  prevHash: string | null;
  hash: string;
}

/** An envelope together with where the stream stored it. */
export interface StoredEvent<TType extends string = string, TData = unknown> {
  seq: number;
  subject: string;
  envelope: EventEnvelope<TType, TData>;
  /**
   * `envelope.data` exactly as the message holds it (compact JSON text), when the decoder could delimit it: the
   * archive stores this text instead of encoding the parsed value again. Absent for events not read from a message.
   */
  dataJson?: string;
}

/** What a decider returns: the type and data of an event; the platform adds ids, time, actor and hashes. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}
