// Lint rules: the recommended sets of eslint and typescript-eslint, plus the
// project's own boundaries (the core stays pure: no I/O, timers, clocks or rxjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'os', 'http', 'net', 'child_process', 'worker_threads', 'path'], message: 'src/core is pure: no I/O imports.' },
          { group: ['rxjs', 'rxjs/*', 'pino', 'express', 'prom-client'], message: 'src/core is pure: no streams, logging, HTTP or metrics.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'src/core takes time as an argument.' },
        { name: 'setInterval', message: 'src/core takes time as an argument.' },
        { name: 'process', message: 'Only src/cli reads the process.' },
        { name: 'console', message: 'src/core does not log.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'src/core takes nowMs as an argument.' },
        { object: 'Math', property: 'random', message: 'src/core takes seeded randomness as an argument.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'process', property: 'env', message: 'Only src/cli reads process.env.' },
        { object: 'process', property: 'exit', message: 'Only src/cli may exit.' },
      ],
    },
  },
);
