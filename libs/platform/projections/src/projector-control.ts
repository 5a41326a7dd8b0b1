import type { NatsConnection } from '@nats-io/transport-node';
import type { Names } from '@immune/contracts';

/**
 * Request/reply on `names.projectorControl`. A pause is a lease: the projector resumes by itself when it is not
 * renewed in time, so a rebuild that dies cannot leave the read models frozen.
 */
export type ProjectorControlRequest = { op: 'pause'; leaseMs?: number; by?: string } | { op: 'resume'; by?: string } | { op: 'status' };

export interface ProjectorControlReply {
  instance: string;
  paused: boolean;
  /** The lowest projection checkpoint once the current batch is committed. */
  checkpoint: number;
  error?: string;
}

export const DEFAULT_PAUSE_LEASE_MS = 60_000;

/**
 * Sends a control request to every live projector and collects their answers. Nobody answering (no projector
 * running) is not an error: the answer is an empty list.
 */
export async function controlProjectors(
  nc: NatsConnection,
  names: Names,
  request: ProjectorControlRequest,
  opts: { maxWaitMs?: number; stallMs?: number } = {},
): Promise<ProjectorControlReply[]> {
  const replies: ProjectorControlReply[] = [];
  try {
    const answers = await nc.requestMany(names.projectorControl, JSON.stringify(request), {
      strategy: 'stall',
      // A pause waits for the batch in flight and the pull behind it (up to ~2 s) before it answers.
      maxWait: opts.maxWaitMs ?? 5000,
      stall: opts.stallMs ?? 500,
    });
    for await (const m of answers) {
      if (m.data.length === 0) continue; // a status message (e.g. no responders) rather than an answer
      try {
        replies.push(m.json<ProjectorControlReply>());
      } catch {
        // not an answer we understand: ignore it
      }
    }
  } catch (e) {
    if (!/no responders|503|timeout/i.test(e instanceof Error ? `${e.name} ${e.message}` : String(e))) throw e;
  }
  return replies;
}

/** Pauses every live projector, renews the lease while held, and resumes them on release. */
export class ProjectorPause {
  private timer: NodeJS.Timeout | null = null;
  paused: ProjectorControlReply[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly leaseMs = DEFAULT_PAUSE_LEASE_MS,
    private readonly by = 'rebuild',
  ) {}

  async acquire(): Promise<ProjectorControlReply[]> {
    this.paused = await controlProjectors(this.nc, this.names, { op: 'pause', leaseMs: this.leaseMs, by: this.by });
    this.timer = setInterval(() => {
      void controlProjectors(this.nc, this.names, { op: 'pause', leaseMs: this.leaseMs, by: this.by }, { maxWaitMs: 2000 }).catch(() => undefined);
    }, Math.max(1000, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    return this.paused;
  }

  async release(): Promise<ProjectorControlReply[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return controlProjectors(this.nc, this.names, { op: 'resume', by: this.by }, { maxWaitMs: 2000 });
  }
}
