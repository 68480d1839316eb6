import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What may import what (docs/architecture.md), checked mechanically. */
const serverBoundaries = {
  files: ['apps/server/src/engine/**/*.ts', 'apps/server/src/connectors/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['@nestjs/*'], message: 'engine/ and connectors/ stay free of Nest.' },
          { group: ['kysely', 'pg', '**/platform/db/**'], message: 'engine/ and connectors/ do no database I/O.' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.visapi/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration once, through platform/config (docs/architecture.md).',
        },
      ],
    },
  },
  {
    // The places allowed to read the environment: config loading, process entry points, tests, scripts.
    files: ['apps/server/src/main.ts', 'apps/server/src/cli.ts', 'apps/server/src/platform/embedded/process-utils.ts', '**/*.test.ts', 'apps/server/test/**', 'scripts/**', 'bench/**', '**/*.config.*'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|\\.)', message: 'contracts imports only zod.' }] }],
    },
  },
  {
    files: ['apps/dashboard/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@visapi/server', '**/apps/server/**'], message: 'The dashboard talks to the server over HTTP only.' }] }],
    },
  },
  serverBoundaries,
);
