import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Names } from '@immune/contracts';

/** Body of a heartbeat on `{ns}.services.heartbeat`. */
export interface Heartbeat {
  service: string;
  instance: string;
  /** ISO-8601 time at the sender. */
  at: string;
}

/**
 * Publishes a heartbeat now and every `everyMs` (core NATS, fire-and-forget) so readiness can tell which
 * services are alive. Returns stop().
 */
export function startHeartbeat(nc: NatsConnection, names: Names, service: string, instanceId: string, everyMs = 2000): () => void {
  const beat = (): void => {
    if (nc.isClosed()) return;
    const hb: Heartbeat = { service, instance: instanceId, at: new Date().toISOString() };
    try {
      nc.publish(names.heartbeats, JSON.stringify(hb));
    } catch {
      // Disconnected or draining: the next beat tries again; a missed beat is what readiness should see.
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface SeenService {
  service: string;
  instance: string;
  /** Receive time (this process's clock, so sender clock skew does not matter). */
  lastSeenAt: number;
}

/** Listens to heartbeats and answers "has this service been seen recently?". */
export class HeartbeatMonitor {
  private sub: Subscription | null = null;
  private readonly lastSeen = new Map<string, SeenService>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly now: () => number = Date.now,
  ) {}

  start(): this {
    if (this.sub) return this;
    this.sub = this.nc.subscribe(this.names.heartbeats, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const hb = msg.json<Partial<Heartbeat>>();
          if (typeof hb.service !== 'string' || typeof hb.instance !== 'string') return;
          this.lastSeen.set(`${hb.service}\u0000${hb.instance}`, { service: hb.service, instance: hb.instance, lastSeenAt: this.now() });
        } catch {
          // Not a heartbeat: ignore rather than let one bad publisher blind readiness.
        }
      },
    });
    return this;
  }

  /** Whether any instance of `service` beat within the last `withinMs`. */
  seen(service: string, withinMs: number): boolean {
    const cutoff = this.now() - withinMs;
    for (const s of this.lastSeen.values()) if (s.service === service && s.lastSeenAt >= cutoff) return true;
    return false;
  }

  /** Every instance seen so far (optionally only within `withinMs`), by service then instance. */
  services(withinMs?: number): SeenService[] {
    const cutoff = withinMs === undefined ? -Infinity : this.now() - withinMs;
    return [...this.lastSeen.values()]
      .filter((s) => s.lastSeenAt >= cutoff)
      .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
  }
}
