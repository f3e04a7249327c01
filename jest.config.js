/** Jest runs the TypeScript sources through esbuild without type-checking (`npm test` runs tsc first). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // The host tier needs root and minutes: `npm run test:hosts` (jest.hosts.config.js) runs it.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/hosts/"],
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/support/esbuild-transform.js" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
  testTimeout: 60000,
  // Jest's default on a 2-core machine is one worker; the slow suites (terraform, the packed
  // package) mostly wait on child processes, so two workers halve the wall time.
  maxWorkers: 2,
};
