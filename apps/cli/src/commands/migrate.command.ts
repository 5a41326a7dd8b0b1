import type { Command } from 'commander';
import { loadConfig } from '@immune/platform-runtime';
import { migrate } from '@immune/read-models';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create the database if missing and apply every pending migration')
    .action(async () => {
      const config = loadConfig();
      await migrate(config);
      process.stdout.write(`migrations applied to schema "${config.namespace}"\n`);
    });
}
