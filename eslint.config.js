// Layering is enforced by a tool, not by review: tags in each project.json, constraints here.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const DEP_CONSTRAINTS = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], bannedExternalImports: ['@nestjs/*', '@nats-io/*', 'pg', 'typeorm', 'pg-copy-streams'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], bannedExternalImports: ['@nestjs/*', '@nats-io/*', 'pg', 'typeorm', 'pg-copy-streams', 'node:*', 'fs', 'crypto', 'http'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:read-models'], bannedExternalImports: ['@nestjs/*'] },
  { sourceTag: 'type:read-models', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:read-models'], bannedExternalImports: ['@nestjs/*'] },
  { sourceTag: 'type:nest', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:nest'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:read-models', 'type:nest', 'type:testing', 'type:sdk'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:read-models', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:read-models'] },
  // The agent SDK is published alone (@immune/agent-sdk): it depends on no workspace lib.
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: [], bannedExternalImports: ['@nestjs/*', 'pg', 'typeorm', 'pg-copy-streams'] },
];

// Specs may also use the test helpers (fresh namespaces, spawned stacks); production code may not.
const SPEC_DEP_CONSTRAINTS = DEP_CONSTRAINTS.map((c) =>
  c.onlyDependOnLibsWithTags.includes('type:testing') || c.sourceTag === 'type:testing'
    ? c
    : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] },
);

module.exports = [
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.cjs', 'apps/gateway/src/**/public/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: DEP_CONSTRAINTS }],
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Domain code is pure: time arrives in the command.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Domain code is pure: time arrives in the command.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Domain code is pure: no randomness.' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: SPEC_DEP_CONSTRAINTS }],
    },
  },
  {
    // The SDK's specs may compare its own copy of the wire types with the contracts.
    files: ['libs/sdk/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: SPEC_DEP_CONSTRAINTS.map((c) => (c.sourceTag === 'type:sdk' ? { ...c, onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] } : c)) }],
    },
  },
];
