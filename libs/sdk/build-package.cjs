#!/usr/bin/env node
// Builds the publishable @immune/agent-sdk into dist/packages/agent-sdk (JS + .d.ts, package.json, README,
// examples). Publish with `npm publish dist/packages/agent-sdk`; try it with `npm pack dist/packages/agent-sdk`.
const { execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const here = __dirname;
const root = join(here, '..', '..');
const out = join(root, 'dist', 'packages', 'agent-sdk');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.lib.json')], { stdio: 'inherit' });
for (const f of ['package.json', 'README.md']) cpSync(join(here, f), join(out, f));
cpSync(join(here, 'examples'), join(out, 'examples'), { recursive: true });
process.stdout.write(`@immune/agent-sdk built in ${out}\n`);
