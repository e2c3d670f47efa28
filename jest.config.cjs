// Unit tests live beside the code (*.spec.ts); integration tests in test/ spawn the built app (*.int-spec.ts).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json' }] };
const moduleNameMapper = { '^#libs/(.*)$': '<rootDir>/libs/$1/index.ts' };

module.exports = {
  // Integration tests start real processes and databases; seconds, not milliseconds.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
      testTimeout: 60_000,
      slowTestThreshold: 30,
    },
    // The black-box suite, run against a launched topology by `npm run test:e2e`.
    ...(process.env.E2E_BASE_URL
      ? [
          {
            displayName: 'e2e',
            testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
            setupFilesAfterEnv: ['<rootDir>/test/e2e/api-contract.setup.ts'],
            transform,
            moduleNameMapper,
            testEnvironment: 'node',
          },
        ]
      : []),
  ],
};
