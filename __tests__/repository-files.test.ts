/**
 * Files a new user meets first: terraform.tfvars.example names exactly the Terraform variables
 * that have no default, and .gitignore keeps every variable file (which cdktf loads on its own)
 * out of git while the example stays in.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildReferenceHomelab } from "../main";
import { synthAll, testApp } from "./support/synth";

const REPO = path.resolve(__dirname, "..");
const EXAMPLE = path.join(REPO, "terraform.tfvars.example");

describe("terraform.tfvars.example", () => {
  const stacks = synthAll(buildReferenceHomelab(testApp()).app);
  const withoutDefault = Object.values(stacks)
    .flatMap((stack) => Object.entries<Record<string, unknown>>(stack.variable ?? {}).filter(([, v]) => !("default" in v)).map(([name]) => name))
    .sort();
  // `name = value` lines; a commented-out one (`# name = ...`) counts: it is there to be filled in.
  const listed = [...fs.readFileSync(EXAMPLE, "utf8").matchAll(/^(?:# )?([a-z][a-z0-9_]*)\s+=\s/gm)].map((m) => m[1]).sort();

  test("lists every variable of the synthesized stacks without a default, and nothing else", () => {
    expect(withoutDefault.length).toBeGreaterThanOrEqual(4);
    expect(listed).toEqual(withoutDefault);
  });

  test("sensitive variables are commented out: an empty value in a file would win over TF_VAR_", () => {
    const sensitive = Object.values(stacks).flatMap((stack) => Object.entries<Record<string, unknown>>(stack.variable ?? {}).filter(([, v]) => v.sensitive === true && !("default" in v)).map(([name]) => name));
    expect(sensitive.length).toBeGreaterThan(0);
    const text = fs.readFileSync(EXAMPLE, "utf8");
    for (const name of sensitive) expect(text).toMatch(new RegExp(`^# ${name}\\s+=`, "m"));
  });
});

describe(".gitignore", () => {
  /** True when git would ignore `file` (a path in the repository, existing or not). */
  const ignored = (file: string): boolean => spawnSync("git", ["check-ignore", "--quiet", "--no-index", file], { cwd: REPO }).status === 0;

  test("ignores every Terraform variable file cdktf or terraform would load, and keeps the example", () => {
    for (const file of ["terraform.tfvars", "terraform.tfvars.json", "secrets.auto.tfvars", "lab.auto.tfvars.json", "prod.tfvars", "cdktf.out/stacks/dockhost-infra/x.tfvars"]) {
      expect([file, ignored(file)]).toEqual([file, true]);
    }
    expect(ignored("terraform.tfvars.example")).toBe(false);
    expect(ignored("main.ts")).toBe(false);
  });
});
