import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const INTERCEPTORS =
  'no Nest interceptors: use a Fastify hook, or an exception filter for errors (docs/decisions/0011)';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-test/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'bench/results/**',
      'test/client/api.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Any Nest interceptor puts every request of the routes it covers through rxjs
    // (docs/decisions/0011). Use a Fastify hook for cross-cutting work and an exception filter
    // for error mapping.
    files: ['src/**/*.ts', 'libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@nestjs/core', importNames: ['APP_INTERCEPTOR'], message: INTERCEPTORS },
            { name: '@nestjs/common', importNames: ['UseInterceptors'], message: INTERCEPTORS },
          ],
        },
      ],
      'no-restricted-properties': ['error', { property: 'useGlobalInterceptors', message: INTERCEPTORS }],
    },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['test/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
);
