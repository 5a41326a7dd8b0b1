import { eventually } from '@immune/testing';
import { HeartbeatMonitor, startHeartbeat } from './heartbeat';
import { specNamespace, type SpecNs } from './spec-helpers.spec';

describe('heartbeats (real NATS)', () => {
  let t: SpecNs;
  beforeAll(async () => {
    t = await specNamespace();
  });
  afterAll(() => t.cleanup());

  it('sees services that beat recently and forgets the ones that stopped', async () => {
    const monitor = new HeartbeatMonitor(t.nc, t.names).start();
    const stopQ = startHeartbeat(t.nc, t.names, 'quarantine', 'q-1', 100);
    const stopP = startHeartbeat(t.nc, t.names, 'projector', 'p-1', 100);
    await eventually(async () => monitor.seen('quarantine', 500) && monitor.seen('projector', 500));
    expect(monitor.seen('gateway', 60_000)).toBe(false);
    expect(monitor.services(500).map((s) => `${s.service}/${s.instance}`)).toEqual(['projector/p-1', 'quarantine/q-1']);
    stopP();
    await new Promise((r) => setTimeout(r, 400));
    expect(monitor.seen('projector', 300)).toBe(false);
    expect(monitor.seen('quarantine', 300)).toBe(true);
    stopQ();
    // Garbage on the subject is ignored.
    t.nc.publish(t.names.heartbeats, 'not json');
    await t.nc.flush();
    expect(monitor.services().length).toBe(2);
    monitor.stop();
  });
});
