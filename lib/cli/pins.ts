/**
 * The versions `dockhost init` pins in a new homelab: those this package is built and tested with,
 * its package.json devDependencies. The published package.json leaves devDependencies out, so they
 * are written here too; __tests__/cli/init.test.ts fails when the two disagree.
 */
export const TESTED_VERSIONS = {
  cdktf: "0.21.0",
  constructs: "10.4.2",
  "@cdktf/provider-docker": "12.0.3",
  "@cdktf/provider-null": "11.0.1",
  "cdktf-cli": "0.21.0",
  typescript: "5.9.3",
  "@types/node": "20.19.43",
} as const;
