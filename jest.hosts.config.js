/**
 * The host tier (`npm run test:hosts`): throwaway Debian hosts booted with systemd-nspawn (see
 * __tests__/support/test-hosts.ts). It needs root and minutes, so plain `npm test` leaves it out;
 * `.ci/run` runs it. One file at a time: the hosts share the machine's 2 cores and its swap.
 */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testPathIgnorePatterns: ["/node_modules/"],
  testMatch: ["<rootDir>/__tests__/hosts/**/*.test.ts"],
  testTimeout: 600000,
  maxWorkers: 1,
};
