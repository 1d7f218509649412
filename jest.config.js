// One jest run covers the three tiers named in docs/contributing.md: *.spec.ts (unit), *.int-spec.ts (real Postgres and
// Redis) and test/*.e2e-spec.ts (booted apps, real clients). The global setup creates one fresh database
// and Redis key prefix for the run and removes them afterwards.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // A sub-path (@app/database/migrations) before the barrel (@app/database).
  moduleNameMapper: {
    '^@app/([^/]+)/(.+)$': '<rootDir>/libs/$1/src/$2',
    '^@app/(.*)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/jest.global-setup.ts',
  globalTeardown: '<rootDir>/test/jest.global-teardown.ts',
  setupFiles: ['<rootDir>/test/jest.worker-env.ts'],
  testTimeout: 30000,
  // One file at a time: e2e files share the run's database and queues, so two workers consume each other's jobs,
  // and a file that closes its worker mid-job stalled the other (first-session and verify-cli, on clean clones).
  maxWorkers: 1,
  // Yet in a worker process, not in band, restarted once its heap stays above this between files: every file loads
  // its own copy of the modules it imports, and in band a late file's collections walked all of them (the event-loop
  // e2e timed 100-130 ms pauses of its own thread near the end of full runs).
  workerIdleMemoryLimit: '700MB',
  // A handle a library leaves open (a socket's ping timer, a pool's idle timer) would keep jest running after the
  // last test. Exit once the run is done.
  forceExit: true,
};
