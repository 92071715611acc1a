// One Jest run for the whole workspace so that `npm test` reports a single summary.
// Unit tests (*.spec.ts) have no I/O; integration tests (*.integration-spec.ts) and
// system tests (tests/system) use the PostgreSQL and NATS started by tools/dev-services.sh.
const { readFileSync } = require('node:fs');
const vm = require('node:vm');

// NestJS 12 ships ES modules only. The services load it with Node's require(esm); Jest does the
// same in its sandbox only where node:vm can build modules, which takes --experimental-vm-modules.
// `npm test` (tools/test.mjs) sets it; say so rather than fail on the first import of @nestjs.
if (typeof vm.SourceTextModule !== 'function') {
  throw new Error(
    'Jest loads NestJS (ES modules) with require(esm), which needs NODE_OPTIONS=--experimental-vm-modules: ' +
      'run the tests with `npm test -- <jest arguments>`, or set that variable.',
  );
}

const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const paths = JSON.parse(readFileSync(`${__dirname}/tsconfig.base.json`, 'utf8')).compilerOptions.paths;
const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target.replace(/^\.\//, '')}`]),
);
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // Our sources only; ES-module dependencies (NestJS, jose) load as they are, through require(esm).
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  // Integration and system tests run real services on a shared 2-core machine: give their waits
  // room (each test bounds its own waits); a unit test never comes near this.
  testTimeout: 60_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tests/peers}/**/*.spec.ts'],
      // The console is a browser app: its units run in the `console` project below.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/console/'],
    },
    {
      ...base,
      displayName: 'console',
      testEnvironment: '<rootDir>/apps/console/jest.environment.js',
      testMatch: ['<rootDir>/apps/console/**/*.spec.{ts,tsx}'],
      transform: {
        '^.+\\.(ts|tsx|js|mjs)$': [
          '@swc/jest',
          {
            jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' },
            module: { type: 'commonjs' },
          },
        ],
      },
      moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
      // ESM-only dependencies (react-admin's, the SSE parser), compiled to CommonJS like our sources.
      transformIgnorePatterns: ['/node_modules/(?!(react-hotkeys-hook|eventsource-parser)/)'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tests/peers}/**/*.integration-spec.ts'],
      slowTestThreshold: 30,
    },
    { ...base, displayName: 'system', testMatch: ['<rootDir>/tests/system/**/*.spec.ts'] },
    { ...base, displayName: 'workspace', testMatch: ['<rootDir>/tests/workspace/**/*.spec.ts'] },
    { ...base, displayName: 'deploy', testMatch: ['<rootDir>/tests/deploy/**/*.spec.ts'] },
    { ...base, displayName: 'observability', testMatch: ['<rootDir>/tests/observability/**/*.spec.ts'] },
    // The Node-RED package: its nodes in a Node-RED runtime against the deployed services, its editor files and its tarball.
    { ...base, displayName: 'nodered', testMatch: ['<rootDir>/tests/nodered/**/*.spec.ts'] },
    // The same flows in Node-RED 4, which the package supports too (its node-red.version is >=4).
    {
      ...base,
      displayName: 'nodered-4',
      testMatch: ['<rootDir>/tests/nodered/src/nodes.spec.ts'],
      setupFiles: ['<rootDir>/tests/nodered/src/support/node-red-4.ts'],
    },
    {
      // Real third-party components (tests/interop): one Keycloak for all of its specs, started
      // by the project's globalSetup and stopped by its globalTeardown.
      ...base,
      displayName: 'interop',
      testMatch: ['<rootDir>/tests/interop/**/*.spec.ts'],
      globalSetup: '<rootDir>/tests/interop/src/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/interop/src/support/global-teardown.ts',
    },
    // The console in Debian's Chromium against the whole stack (tests/e2e).
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.spec.ts'] },
  ],
};
