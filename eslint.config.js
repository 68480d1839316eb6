import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    files: ['apps/dashboard/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The contracts' index evaluates every schema (and builds the definition's JSON Schema) at
      // import: on a phone that is a quarter second of blocked main thread before the first page.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@visapi/contracts',
              allowTypeImports: true,
              message: 'Import values from the module that defines them (@visapi/contracts/runs, /auth, …); types may come from the index.',
            },
          ],
        },
      ],
    },
  },
  // What may import what is dependency-cruiser's (.dependency-cruiser.cjs, npm run lint:deps).
);
