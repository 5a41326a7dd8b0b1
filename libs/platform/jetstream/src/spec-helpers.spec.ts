// Shared by the integration specs of this library. Named *.spec.ts so the build leaves it out; no jest tier matches it.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names, type NewEvent } from '@immune/contracts';
import { destroyNamespace, freshNamespace, testNats } from '@immune/testing';
import { EventStore, type AppendResult } from './event-store';
import { provisionEventStream } from './provision';
import type { RawMessage } from './stream-reader';

export interface SpecNs {
  ns: string;
  names: Names;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: EventStore;
  cleanup(): Promise<void>;
}

/** A fresh namespace with its event stream provisioned; cleanup() deletes its streams and closes the connection. */
export async function specNamespace(prefix = 'tjs'): Promise<SpecNs> {
  const ns = freshNamespace(prefix);
  const names = namesOf(ns);
  const nc = await testNats();
  const jsm = await jetstreamManager(nc);
  await provisionEventStream(jsm, names);
  return {
    ns,
    names,
    nc,
    js: jetstream(nc),
    jsm,
    store: new EventStore(nc, names),
    cleanup: async () => {
      await nc.drain().catch(() => undefined);
      await destroyNamespace(ns);
    },
  };
}

let cmd = 0;

/** Appends events to one agent, continuing from its current version and hash. */
export async function appendToAgent(store: EventStore, agentId: string, events: NewEvent[], causationId = `cmd-${++cmd}`): Promise<AppendResult> {
  const current = await store.readAggregate('agent', agentId);
  return store.append({
    aggregate: 'agent',
    aggregateId: agentId,
    agentId,
    events,
    expectedVersion: current.version,
    prevHash: current.lastHash,
    actor: 'spec',
    correlationId: causationId,
    causationId,
    now: new Date().toISOString(),
  });
}

export function noted(n: number): NewEvent {
  return { type: 'QuarantineNoteAdded', data: { quarantineId: 'q', noteId: `n${n}`, note: `note ${n}` } };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Copies raw messages into another namespace's fresh stream (envelopes do not name the namespace, so only the
 * subject prefix changes). `edit` gets every message and returns what to store, in order: drop, alter, reorder.
 */
export async function copyLog(from: SpecNs, to: SpecNs, edit: (all: RawMessage[]) => RawMessage[]): Promise<void> {
  const all = await collect(from.store.readStreamRaw());
  for (const m of edit(all)) {
    const subject = `${to.ns}${m.subject.slice(from.ns.length)}`;
    await to.js.publish(subject, m.data);
  }
}
