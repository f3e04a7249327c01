/** The `dockhost` entry: help, version, dispatch, exit codes, and the repo's launcher (`npx dockhost`). */
import { spawnSync } from "child_process";
import * as path from "path";
import { COMMANDS } from "../../lib/cli/main";
import { runCli } from "../support/cli";
import { REPO, repoPackage } from "../support/packed-package";

describe("dockhost", () => {
  test("--help lists every command with its summary; exit 0", async () => {
    const run = await runCli(["--help"], { cwd: REPO });
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Usage: dockhost <command> \[options\]/);
    expect(COMMANDS.map((c) => c.name)).toEqual(["init", "doctor", "import", "updates"]);
    for (const command of COMMANDS) expect(run.out).toContain(`  ${command.name}`);
    expect(run.out).toContain(COMMANDS.find((c) => c.name === "doctor")!.summary);
  });

  test("import and updates are reached through the command line", async () => {
    for (const name of ["import", "updates"]) {
      const run = await runCli([name, "--help"], { cwd: REPO });
      expect(run.code).toBe(0);
      expect(run.out).toContain(COMMANDS.find((c) => c.name === name)!.usage.split("\n")[0]);
    }
  });

  test("no command: the help on stderr, exit 2; an unknown one is named, exit 2", async () => {
    const none = await runCli([], { cwd: REPO });
    expect([none.code, none.out]).toEqual([2, ""]);
    expect(none.err).toContain("Usage: dockhost <command>");
    const unknown = await runCli(["deploy"], { cwd: REPO });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('dockhost: unknown command "deploy"; the commands are init, doctor');
  });

  test("<command> --help prints that command's usage; an unknown option is a usage error", async () => {
    const help = await runCli(["init", "--help"], { cwd: REPO });
    expect([help.code, help.out.split("\n")[0]]).toEqual([0, "Usage: dockhost init DIR [--no-install]"]);
    const bad = await runCli(["doctor", "--nodes", "x"], { cwd: REPO });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^dockhost doctor: Unknown option '--nodes'/);
    expect(bad.err).toContain("Usage: dockhost doctor [options]");
  });

  test("the launcher that package.json's bin names runs the sources in this repo: --version is the package's", () => {
    expect(repoPackage.bin).toEqual({ dockhost: "scripts/dockhost.js" });
    const result = spawnSync(process.execPath, [path.join(REPO, repoPackage.bin.dockhost), "--version"], { cwd: REPO, encoding: "utf8" });
    expect([result.status, result.stdout.trim(), result.stderr]).toEqual([0, repoPackage.version, ""]);
  });
});
