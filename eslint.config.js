// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'runs/**',
      'coverage/**',
      'test-artifacts/**',
      'bench-results/**',
      'docs/api/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Packages are backend-agnostic and browser-safe (ARCHITECTURE.md): no tfjs backend imports
    // anywhere in packages, and no `node:` imports outside the Node-only subpath entries.
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      'packages/*/src/**/*.test.ts',
      'packages/*/src/**/test-utils/**',
      'packages/*/src/node.ts',
      'packages/*/src/node/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@tensorflow/tfjs-backend-*',
                '@tensorflow/tfjs-node',
                '@tensorflow/tfjs-node-gpu',
                '@tensorflow/tfjs',
              ],
              message: 'Packages must not import a tfjs backend; only apps do.',
            },
            {
              group: ['node:*', 'fs', 'path', 'os', 'url', 'http', 'https', 'child_process'],
              message: 'Package main entries are browser-safe: put Node-only code behind the ./node subpath.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/*/src/node.ts', 'packages/*/src/node/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@tensorflow/tfjs-backend-*',
                '@tensorflow/tfjs-node',
                '@tensorflow/tfjs-node-gpu',
                '@tensorflow/tfjs',
              ],
              message: 'Packages must not import a tfjs backend; only apps do.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' },
    },
  },
);
