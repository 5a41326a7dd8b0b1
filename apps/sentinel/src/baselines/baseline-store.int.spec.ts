import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { names as namesOf, type Names } from '@immune/contracts';
import { provisionAll } from '@immune/platform-jetstream';
import { destroyNamespace, freshNamespace, testNats } from '@immune/testing';
import { openSentinelBuckets } from '../sentinel.buckets';
import { BaselineStore } from './baseline-store';

describe('BaselineStore.write (puts acknowledged on one inbox)', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;

  beforeAll(async () => {
    ns = freshNamespace('senbs');
    names = namesOf(ns);
    nc = await testNats();
    await provisionAll(nc, names);
    await openSentinelBuckets(nc, names);
  });
  afterAll(async () => {
    await nc.close();
    await destroyNamespace(ns);
  });

  it('stores every entry (more than the window) and reports none failed', async () => {
    const jsm = await jetstreamManager(nc);
    const store = new BaselineStore(jetstream(nc), jsm, nc, names.baselines, 16);
    const entries = Array.from({ length: 300 }, (_, i) => [`agent-${i}`, JSON.stringify({ partition: 0, lastSeq: i, snapshot: {} })] as const);
    const failed = await store.write([...entries, ['partition.p3', JSON.stringify({ lastSeq: 7, partitions: 16 })]], 64);
    expect([...failed]).toEqual([]);
    const info = await jsm.streams.info(`KV_${names.baselines}`);
    expect(info.state.messages).toBe(301);
    const last = await jsm.streams.getMessage(`KV_${names.baselines}`, { last_by_subj: `$KV.${names.baselines}.agent-299` });
    expect(JSON.parse(new TextDecoder().decode(last!.data))).toEqual({ partition: 0, lastSeq: 299, snapshot: {} });
  });

  it('reports the keys no stream acknowledged as failed', async () => {
    const jsm = await jetstreamManager(nc);
    const store = new BaselineStore(jetstream(nc), jsm, nc, `${names.baselines}_missing`, 16);
    const failed = await store.write([['a-1', '{}'], ['a-2', '{}']], 256, 1000);
    expect([...failed].sort()).toEqual(['a-1', 'a-2']);
  });
});
