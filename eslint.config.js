// One lint for the whole workspace: typescript-eslint's recommended rules everywhere, and the
// size rules of the house (files ≤ 300 lines, functions ≤ 80, lines ≤ 120) on shipped source.
// Formatting is prettier's (`.prettierrc.json`); `pnpm lint` runs both, and the test command runs it.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/fixtures/**',
      'bench/results/**',
      '.test-results/**',
      'e2e/test-results/**',
      'demo/public/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        globalThis: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        crypto: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        WebSocket: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, probes and the bench read raw frames of every shape; shipped source keeps its types.
    files: ['**/test/**', 'e2e/**', 'bench/**', 'packages/*/scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['packages/*/src/**/*.ts', 'demo/src/**/*.ts', 'examples/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80 }],
      'max-len': ['error', { code: 120, ignoreUrls: false }],
    },
  },
)
