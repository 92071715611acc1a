import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default [
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.data', '**/coverage', 'k8s/**', 'deploy/**', 'apps/console/src/api/schema.d.ts'],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      // Services talk over NATS through libs/contracts, never by importing each other.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:runtime', notDependOnLibsWithTags: ['scope:test'] },
            { sourceTag: 'type:peer', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:peer'] },
            { sourceTag: 'type:package', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
    },
  },
  {
    // Apps reach NATS through libs/messaging (typed RPC, streams, events, KV), never the client.
    files: ['apps/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['nats', '@nats-io/*'], message: 'use @cleargate/messaging: services do not talk to the NATS client directly' },
          ],
        },
      ],
    },
  },
  {
    // A published package (plain CommonJS) ships alone: Node built-ins and its own files only.
    files: ['packages/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests beside the code may use the test libraries and peers; product code may not.
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/*.integration-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:peer'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:peer'] },
            { sourceTag: 'type:peer', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:peer'] },
          ],
        },
      ],
    },
  },
];
