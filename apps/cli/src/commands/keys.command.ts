import type { Command } from 'commander';
import { Client } from 'pg';
import { loadConfig } from '@immune/platform-runtime';
import { ApiKeyStore } from '@immune/platform-keys';
import { migrate } from '@immune/read-models';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('named API keys with roles (viewer, operator, admin, ingest)');
  keys
    .command('create')
    .description('create a key; it is printed once and stored only as a hash')
    .argument('<name>', 'the key name: the actor of everything done with it')
    .argument('<role>', 'viewer | operator | admin | ingest')
    .action(async (name: string, role: string) => {
      const config = loadConfig();
      await migrate(config);
      const client = new Client({ connectionString: config.databaseUrl });
      await client.connect();
      try {
        const store = new ApiKeyStore({ query: async (sql, params) => (await client.query(sql, params)).rows }, config.namespace);
        const created = await store.create(name, role, 'cli');
        process.stdout.write(`${created.key}\n`);
        process.stderr.write(`created key "${created.name}" with role ${created.role}; it is shown only this once\n`);
      } finally {
        await client.end();
      }
    });
}
