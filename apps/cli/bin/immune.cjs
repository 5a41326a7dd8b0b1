#!/usr/bin/env -S node --max-semi-space-size=64
// `npx immune …`: runs the compiled CLI; builds it first when a fresh clone has not been built yet.
// --max-semi-space-size: a larger young generation halves the GC time of a rebuild (short-lived decoded events).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');
const root = join(__dirname, '..', '..', '..');
const entry = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('immune: building the workspace first (npm run build)…\n');
  execSync('npm run -s build', { cwd: root, stdio: 'inherit' });
}
require(join(root, 'tools', 'register-paths.cjs'));
require(entry);
