import { Command, InvalidArgumentError } from 'commander';
import { registerMigrate } from './commands/migrate.command';
import { registerProjections } from './commands/projections.command';
import { registerEvents } from './commands/events.command';
import { registerKeys } from './commands/keys.command';
import { registerFleetSim } from './commands/fleet-sim.command';

const program = new Command()
  .name('immune')
  .description('Immune control plane: operate the event log, read models and keys.\nEnvironment: NATS_URL, DATABASE_URL, IMMUNE_NAMESPACE (see CONTRACT.md).')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

registerMigrate(program);
registerProjections(program);
registerEvents(program);
registerKeys(program);
registerFleetSim(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof InvalidArgumentError) process.stderr.write(`immune: ${e.message}\n`);
  else process.stderr.write(`immune: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
  process.exit(1);
});
