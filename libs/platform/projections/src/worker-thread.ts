import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `<name>` of this directory. Built, that is the compiled `<name>.js` beside
 * this file. Run from the TypeScript sources (the specs, through ts-jest) there is no .js: the worker then
 * compiles the .ts in memory with the `typescript` package (a dev dependency, present wherever the sources are)
 * before requiring it. Worker modules import only Node and npm packages, never `@immune/*` path aliases, so that
 * is all the loading they need.
 */
export function startWorker(name: string, workerData: unknown): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, `${name}.js`), { workerData });
  const file = join(__dirname, `${name}.ts`);
  const boot = `
    const { createRequire } = require('node:module');
    const { readFileSync } = require('node:fs');
    const file = ${JSON.stringify(file)};
    const load = createRequire(file);
    const ts = load('typescript');
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    require.extensions['.ts'] = (module, filename) =>
      module._compile(ts.transpileModule(readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
    load(file);
  `;
  return new Worker(boot, { eval: true, workerData });
}
