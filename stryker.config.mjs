// `npm run test:mutation`: mutation testing of the security-critical code (not part of `npm test`
// or CI). A surviving mutant is a change to a check that no unit test notices. The figure is in
// the README; reports go to reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  // NestJS 12 is ES modules only; Jest loads it through require(esm) (see jest.config.js).
  testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
  coverageAnalysis: 'perTest',
  mutate: [
    // token verification and roles
    'libs/auth/src/**/*.ts',
    // the access rules and the schemas of what callers send
    'libs/contracts/src/common.ts',
    'libs/contracts/src/errors.ts',
    'libs/contracts/src/registry/{machines,endpoints,tasks}.ts',
    // the invocation frame codec
    'libs/contracts/src/ondemand/invoke.ts',
    // the outbound address policy
    'libs/egress/src/**/*.ts',
    '!**/*.spec.ts',
    '!**/index.ts',
  ],
  // The sandbox needs the libraries under test and the Jest/swc configuration, nothing else.
  ignorePatterns: [
    '/.tools',
    '/.data',
    '/dist',
    '/apps',
    '/tests',
    '/packages',
    '/deploy',
    '/k8s',
    '/samples',
    '/tools',
    '/reports',
    '/.nx',
    '/libs/testing',
    '/libs/messaging',
    '/libs/clearml',
    '/libs/observability',
  ],
  // The schemas are built when their module loads: those mutants are tested too (a full run each).
  ignoreStatic: false,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: 80 },
};
