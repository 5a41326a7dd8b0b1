import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '@immune/platform-runtime';
import { connectNats } from '@immune/platform-jetstream';
import { cureTableMarkdown, FAULT_KINDS, isFaultKind, type FaultKind } from '../fleet-sim/fleet-sim.faults';
import { DEFAULT_FLEET_OPTIONS, Fleet, type FleetOptions } from '../fleet-sim/fleet-sim.fleet';

interface FleetSimFlags {
  agents: number;
  chaos?: boolean;
  rate: number;
  seed: number;
  faultEvery: number;
  warmup: number;
  severeShare: number;
  maxInfected: number;
  faults?: FaultKind[];
  prefix: string;
  duration?: number;
  progressEvery: number;
  quiet?: boolean;
  faultsTable?: boolean;
}

export function registerFleetSim(program: Command): void {
  program
    .command('fleet-sim')
    .description('run simulated agents (on @immune/agent-sdk) that speak the contract: vitals, status KV, healing commands; --chaos injects faults')
    .option('--agents <n>', 'number of agents', positiveInt, DEFAULT_FLEET_OPTIONS.agents)
    .option('--chaos', 'inject faults of every kind over time (each cured only by some healing actions)')
    .option('--rate <tasks>', 'tasks (vitals) per second per agent', positiveNumber, DEFAULT_FLEET_OPTIONS.rate)
    .option('--seed <n>', 'seed of the fleet and the chaos (same seed, same fleet)', nonNegativeInt, DEFAULT_FLEET_OPTIONS.seed)
    .option('--fault-every <seconds>', 'mean seconds between two injected faults', positiveNumber, DEFAULT_FLEET_OPTIONS.faultEverySec)
    .option('--warmup <samples>', 'vitals an agent reports before it can be infected', nonNegativeInt, DEFAULT_FLEET_OPTIONS.warmupSamples)
    .option('--severe-share <0..1>', 'share of faults injected as severe (≥ 5σ: healing waits for approval)', share, DEFAULT_FLEET_OPTIONS.severeShare)
    .option('--max-infected <0..1>', 'chaos pauses while this share of the fleet carries a fault', share, DEFAULT_FLEET_OPTIONS.maxInfectedShare)
    .option('--faults <kinds>', `comma-separated fault kinds (default all: ${FAULT_KINDS.join(', ')})`, faultList)
    .option('--prefix <prefix>', 'agent ids are {prefix}-{type}-{nnn}', agentIdPrefix, DEFAULT_FLEET_OPTIONS.prefix)
    .option('--duration <seconds>', 'stop by itself after this long (default: until Ctrl-C)', positiveNumber)
    .option('--progress-every <seconds>', 'seconds between progress lines', positiveNumber, 5)
    .option('--quiet', 'only progress lines and the summary, not every infection, command and release')
    .option('--faults-table', 'print the fault → curing actions table and exit')
    .action(async (flags: FleetSimFlags) => {
      if (flags.faultsTable) {
        process.stdout.write(`${cureTableMarkdown()}\n`);
        return;
      }
      const config = loadConfig();
      const options: FleetOptions = {
        ...DEFAULT_FLEET_OPTIONS,
        agents: flags.agents,
        chaos: flags.chaos === true,
        rate: flags.rate,
        seed: flags.seed,
        faultEverySec: flags.faultEvery,
        warmupSamples: flags.warmup,
        severeShare: flags.severeShare,
        maxInfectedShare: flags.maxInfected,
        faults: flags.faults ?? FAULT_KINDS,
        prefix: flags.prefix,
      };
      const out = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      const { nc } = await connectNats(config.natsServers, 'immune-fleet-sim');
      const fleet = new Fleet(options, flags.quiet ? () => undefined : out);
      let stopping: Promise<void> | null = null;
      const stop = (why: string): Promise<void> =>
        (stopping ??= (async () => {
          out(`fleet-sim: ${why}, stopping ${fleet.agents.length} agents…`);
          clearInterval(progress);
          await fleet.stop();
          await nc.close().catch(() => undefined);
          process.stdout.write(`${fleet.summary()}\n`);
        })());
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.stderr.write('fleet-sim: stopping now\n');
          process.exit(130);
        }
        void stop(signal === 'SIGINT' ? 'Ctrl-C' : signal).then(() => process.exit(0));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const progress = setInterval(() => out(`fleet-sim │ ${fleet.progressLine()}`), flags.progressEvery * 1000);

      out(
        `fleet-sim: ${options.agents} agents in namespace "${config.namespace}" at ${options.rate} task/s each` +
          (options.chaos ? `, chaos on: a fault every ~${options.faultEverySec}s once an agent has ${options.warmupSamples} vitals (seed ${options.seed})` : '') +
          '. Ctrl-C stops.',
      );
      await fleet.start(nc, config.namespace);
      if (!stopping) out(`fleet-sim: ${fleet.agents.length} agents running`);
      if (flags.duration !== undefined) {
        await new Promise((r) => setTimeout(r, flags.duration! * 1000));
        await stop(`${flags.duration}s elapsed`);
      } else {
        await new Promise<void>(() => undefined); // until a signal
      }
    });
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a whole number ≥ 1`);
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not a whole number ≥ 0`);
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${v}" is not a number > 0`);
  return n;
}

function share(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`"${v}" is not a number between 0 and 1`);
  return n;
}

function faultList(v: string): FaultKind[] {
  const kinds = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = kinds.filter((k) => !isFaultKind(k));
  if (bad.length > 0 || kinds.length === 0) throw new InvalidArgumentError(`unknown fault kind(s) ${bad.join(', ') || '(none)'}: use ${FAULT_KINDS.join(', ')}`);
  return kinds as FaultKind[];
}

function agentIdPrefix(v: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a valid agent id prefix ([A-Za-z0-9_-], at most 40)`);
  return v;
}
