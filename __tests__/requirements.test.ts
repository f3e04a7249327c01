/**
 * Tests that need a tool skip without it, with one summary line naming what to install, and fail
 * instead under DOCKHOST_REQUIRE_TOOLS=1 (.ci/run): a Jest of its own runs a fixture that needs
 * shellcheck and terraform, on a PATH that holds only node, then on the full PATH.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { needs, STRICT_ENV } from "./support/requirements";
import { tempDir } from "./support/synth";

const REPO = path.resolve(__dirname, "..");
const CONFIG = JSON.stringify({
  rootDir: REPO,
  roots: ["<rootDir>/__tests__/fixtures/requirements"],
  testMatch: ["**/*.fixture.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/support/esbuild-transform.js" },
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
});

/** Runs the fixture; `PATH` and the strict switch as given. */
function runFixture(pathEnv: string, strictSwitch: boolean): { code: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathEnv };
  delete env[STRICT_ENV];
  if (strictSwitch) env[STRICT_ENV] = "1";
  const run = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--config", CONFIG, "--ci"], { cwd: REPO, env, encoding: "utf8", timeout: 60_000 });
  return { code: run.status, output: run.stdout + run.stderr };
}

/** A PATH with node and nothing else. */
function nodeOnlyPath(): string {
  const bin = path.join(tempDir("node-only"), "bin");
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  return bin;
}

describe("tests that need a tool", () => {
  test("without it, they skip, and one line names what is missing and the command that installs it", () => {
    const { code, output } = runFixture(nodeOnlyPath(), false);
    const loud = output.split("\n").filter((line) => line.includes("SKIPPED"));
    expect(loud).toEqual([
      "!!! 2 tests SKIPPED: not installed: shellcheck, terraform. Install: sudo apt-get install -y --no-install-recommends shellcheck; terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) (CI sets DOCKHOST_REQUIRE_TOOLS=1: there they fail)",
    ]);
    expect(output).toContain("tests: 1 passed, 0 failed, 2 skipped");
    expect(code).toBe(0);
  });

  test("without it and with DOCKHOST_REQUIRE_TOOLS=1, they fail, saying what to install", () => {
    const { code, output } = runFixture(nodeOnlyPath(), true);
    expect(output).toContain("shellcheck not installed and DOCKHOST_REQUIRE_TOOLS is set, so these tests may not skip. Install: sudo apt-get install -y --no-install-recommends shellcheck");
    expect(output).toContain("terraform not installed and DOCKHOST_REQUIRE_TOOLS is set");
    expect(output).toContain("tests: 1 passed, 2 failed, 0 skipped");
    expect(output).not.toContain("SKIPPED");
    expect(code).toBe(1);
  });

  needs("shellcheck", "terraform").test("with it, they run, strict or not", () => {
    for (const strictSwitch of [false, true]) {
      const { code, output } = runFixture(process.env.PATH ?? "", strictSwitch);
      expect(output).toContain("tests: 3 passed, 0 failed, 0 skipped");
      expect(code).toBe(0);
    }
  });
});
