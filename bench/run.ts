/**
 * `npm run bench -- <name…>`: runs benchmarks against the real NATS and PostgreSQL of this machine, each in a
 * fresh namespace and database, prints a summary line per benchmark and writes JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, totalmem } from 'node:os';

import { benchRebuildCli } from './rebuild/rebuild.bench';
import { benchCommandLatency } from './commands/command-latency.bench';
import { benchDetection } from './detection/detection.bench';
import { benchVitals } from './vitals/vitals.bench';
import { benchHealing } from './healing/healing.bench';

type Bench = (args: string[]) => Promise<Record<string, unknown>>;

const BENCHES: Record<string, Bench> = {
  rebuild: benchRebuildCli,
  commands: benchCommandLatency,
  detection: benchDetection,
  vitals: benchVitals,
  healing: benchHealing,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const chosen = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const names = chosen.length > 0 ? chosen : Object.keys(BENCHES);
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const dir = resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const run = BENCHES[name]!;
    process.stdout.write(`bench ${name}: running…\n`);
    const result = await run(flags);
    const record = {
      bench: name,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      result,
    };
    const file = join(dir, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    process.stdout.write(`bench ${name}: results written to bench/results/${name}.json\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
