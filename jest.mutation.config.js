// Jest for `npm run test:mutation` (StrykerJS, stryker.config.mjs): the unit specs of the code
// under mutation only, with the workspace's unit settings.
const { projects } = require('./jest.config.js');

const unit = projects.find((p) => p.displayName === 'unit');
module.exports = {
  ...unit,
  displayName: 'mutation',
  testMatch: ['<rootDir>/libs/{auth,contracts,egress}/src/**/*.spec.ts'],
};
