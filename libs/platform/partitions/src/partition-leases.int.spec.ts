import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { PartitionLeases, type PartitionLeasesOptions } from './partition-leases';
import { leaseKey } from './partition-of';

const P = 8;
const FAST = { leaseMs: 1500, renewEveryMs: 300, safetyMs: 400 };

/** One instance's view: what it uses now, and what its callbacks saw. */
class Instance {
  readonly using = new Set<number>();
  readonly lost: number[] = [];
  readonly leases: PartitionLeases;
  live = 1;

  constructor(kv: KV, readonly owner: string, overlap: (owner: string, p: number) => void, extra: Partial<PartitionLeasesOptions> = {}) {
    this.leases = new PartitionLeases({
      kv, owner, partitions: P, ...FAST,
      liveInstances: () => this.live,
      onAcquired: async (parts) => {
        for (const p of parts) {
          overlap(owner, p);
          this.using.add(p);
        }
      },
      onReleasing: async (parts) => {
        for (const p of parts) this.using.delete(p);
      },
      onLost: (parts) => {
        for (const p of parts) this.using.delete(p);
        this.lost.push(...parts);
      },
      ...extra,
    });
  }
}

describe('PartitionLeases on a real KV bucket', () => {
  let ns: string;
  let nc: NatsConnection;
  let kv: KV;
  const instances: Instance[] = [];
  const overlaps: string[] = [];
  const overlap = (owner: string, p: number) => {
    for (const i of instances) if (i.owner !== owner && i.using.has(p)) overlaps.push(`${owner} took p${p} from ${i.owner}`);
  };

  beforeAll(async () => {
    ns = freshNamespace('pl');
    nc = await testNats();
    kv = await new Kvm(nc).create(`${ns}_leases`, { history: 1 });
  });
  afterAll(async () => {
    for (const i of instances) await i.leases.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  const spawn = (owner: string) => {
    const i = new Instance(kv, owner, overlap);
    instances.push(i);
    return i;
  };

  it('one instance takes every partition; a second one gets its fair share, never one in use', async () => {
    const a = spawn('a');
    await a.leases.start();
    expect(a.leases.owned()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await kv.get(leaseKey(3)))?.json()).toMatchObject({ owner: 'a' });

    const b = spawn('b');
    a.live = b.live = 2;
    await b.leases.start();
    await eventually(async () => a.using.size === 4 && b.using.size === 4, 5000);
    expect([...a.using, ...b.using].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(overlaps).toEqual([]);
  });

  it('takes over the leases of an instance that stopped renewing, only once they expired', async () => {
    const [a, b] = instances as [Instance, Instance];
    const bParts = [...b.using];
    // B stops renewing without releasing (a crash): its leases stay in the bucket until they expire.
    await (b.leases as unknown as { ticking: Promise<void> }).ticking;
    (b.leases as unknown as { stopped: boolean }).stopped = true;
    a.live = 1;
    const stoppedAt = Date.now();
    await eventually(async () => a.using.size === P, 10_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(FAST.leaseMs - FAST.renewEveryMs - 200);
    // B's guard dropped them before A could take them (safety margin): never used twice at once.
    expect(b.lost.sort()).toEqual(bParts.sort());
    expect(overlaps).toEqual([]);
  });

  it('drops a lease at once when its renewal is refused (someone else wrote the key)', async () => {
    const [a] = instances as [Instance];
    await kv.put(leaseKey(5), JSON.stringify({ owner: 'intruder', expiresAt: Date.now() + 60_000 }));
    await eventually(async () => !a.using.has(5), 2000);
    expect(a.lost).toContain(5);
    expect(a.leases.owns(5)).toBe(false);
  });

  it('hands every partition back on stop', async () => {
    const [a] = instances as [Instance];
    await a.leases.stop();
    expect(a.using.size).toBe(0);
    for (let p = 0; p < P; p++) {
      const e = await kv.get(leaseKey(p));
      if (p !== 5) expect(e?.operation).toBe('DEL');
    }
  });
});
