// Runtime resolution of the @immune/* path aliases to the compiled output in dist/.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');
const root = path.resolve(__dirname, '..');
const paths = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  paths[alias] = [path.join('dist', target.replace(/^\.\//, '').replace(/\.ts$/, '.js'))];
}
tsconfigPaths.register({ baseUrl: root, paths });
