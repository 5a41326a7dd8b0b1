import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '@immune/platform-runtime';
import { rebuildProjections, PROJECTION_NAMES } from '@immune/platform-projections';

export function registerProjections(program: Command): void {
  const projections = program.command('projections').description('read models projected from the event log');
  projections
    .command('rebuild')
    .description('replay the log from the first event into shadow tables and swap them in atomically')
    .option('--name <name...>', `only these projections (${PROJECTION_NAMES.join(', ')})`)
    .action(async (opts: { name?: string[] }) => {
      const config = loadConfig();
      const unknown = (opts.name ?? []).filter((n) => !PROJECTION_NAMES.includes(n));
      if (unknown.length > 0) throw new Error(`unknown projection ${unknown.join(', ')}: choose from ${PROJECTION_NAMES.join(', ')}`);
      const bar = new SingleBar(
        { format: 'rebuild |{bar}| {percentage}% {value}/{total} events {rate} ev/s', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
        Presets.shades_classic,
      );
      let started = false;
      const t0 = Date.now();
      const stats = await rebuildProjections({
        config,
        ...(opts.name ? { names: opts.name } : {}),
        onProgress: (done: number, total: number) => {
          if (!started) {
            bar.start(Math.max(total, 1), 0, { rate: 0 });
            started = true;
          }
          bar.setTotal(Math.max(total, 1));
          bar.update(done, { rate: Math.round(done / Math.max((Date.now() - t0) / 1000, 0.001)) });
        },
      });
      if (started) bar.stop();
      process.stdout.write(
        `rebuilt ${stats.projections.join(', ')} from ${stats.events} events in ${stats.seconds.toFixed(2)} s (${Math.round(stats.eventsPerSecond)} events/s)\n`,
      );
    });
}
