import { names as namesOf } from '@immune/contracts';
import { connectNats } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import type { RuntimeConfig } from '@immune/platform-runtime';
import { migrate, READ_MODEL_ENTITIES, READ_MODEL_PROJECTIONS } from '@immune/read-models';
import { ProjectionRunner } from './projection-runner';
import type { PoisonEventError } from './decode-event';
import { lastStreamSeq, readEventBatches, readEventStream } from './event-stream.reader';
import { ProjectorPause } from './projector-control';
import { rebuild, selectProjections, type RebuildStats } from './rebuild';

export interface RebuildProjectionsOptions {
  config: Pick<RuntimeConfig, 'namespace' | 'natsServers' | 'databaseUrl'>;
  /** Only these projections (default all; see PROJECTION_NAMES). */
  names?: string[];
  onProgress?: (done: number, total: number) => void;
  onPoison?: (e: PoisonEventError) => void;
  /** Lease of the projector pause, renewed while the rebuild runs (default 60 s). */
  pauseLeaseMs?: number;
}

export interface RebuildProjectionsStats extends RebuildStats {
  /** Live projector instances that confirmed the pause (0 when none was running). */
  pausedProjectors: number;
}

/**
 * `npx immune projections rebuild [--name N]`: pauses the live projector (if one answers), replays the event
 * log from sequence 1 up to its last sequence at the start into shadow tables, swaps them in atomically, and
 * resumes the projector, which then carries on from the new checkpoints.
 */
export async function rebuildProjections(opts: RebuildProjectionsOptions): Promise<RebuildProjectionsStats> {
  const { config } = opts;
  selectProjections(READ_MODEL_PROJECTIONS, opts.names); // unknown names fail before anything is touched
  const names = namesOf(config.namespace);
  await migrate(config);
  const { nc } = await connectNats(config.natsServers, 'immune-rebuild');
  try {
    const ds = await openDataSource({
      databaseUrl: config.databaseUrl,
      schema: names.pgSchema,
      entities: READ_MODEL_ENTITIES,
      // A connection per table COPYing at once, two for the big ones (see rebuild).
      poolSize: 7,
      applicationName: 'immune-rebuild',
    });
    try {
      // A rebuild replaces the tables with what the log says: refuse a log that cannot be the right one.
      const toSeq = await lastStreamSeq(nc, names.eventsStream);
      if (toSeq === null) throw new Error(`there is no event stream ${names.eventsStream} on ${config.natsServers.join(',')}: nothing to rebuild from (wrong NATS_URL or IMMUNE_NAMESPACE?)`);
      const applied = Math.max(...(await new ProjectionRunner({ dataSource: ds, schema: names.pgSchema }).checkpoints()).values());
      if (toSeq < applied) {
        throw new Error(`the event stream ${names.eventsStream} ends at seq ${toSeq} but the read models have applied up to ${applied}: refusing to rebuild from a shorter log (wrong NATS_URL?)`);
      }
      const pause = new ProjectorPause(nc, names, opts.pauseLeaseMs);
      const paused = await pause.acquire();
      try {
        const stats = await rebuild({
          dataSource: ds,
          schema: names.pgSchema,
          ...(opts.names ? { names: opts.names } : {}),
          // The log is read on a worker thread (its own NATS connection), which also writes the archive's COPY rows,
          // and decoded here, batch by batch.
          source: readEventBatches({
            servers: config.natsServers,
            stream: names.eventsStream,
            fromSeq: 1,
            toSeq,
            archiveRows: !opts.names || opts.names.includes('events'),
            ...(opts.onPoison ? { onPoison: opts.onPoison } : {}),
          }),
          lastSeq: toSeq,
          total: toSeq,
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
          catchUp: (fromSeq, to) => readEventStream({ nc, stream: names.eventsStream, fromSeq, toSeq: to }),
        });
        return { ...stats, pausedProjectors: paused.length };
      } finally {
        await pause.release();
      }
    } finally {
      await ds.destroy();
    }
  } finally {
    await nc.close();
  }
}
