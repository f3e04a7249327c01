/**
 * The renovate.json `dockhost init` writes: valid against Renovate 43.8.2's published schema, its
 * regex manager finds the images `dockhost updates` finds (same depName, tag and digest), databases
 * get no major bump, and the scaffold's workflow shows a pull request's diff of the synthesized
 * stacks (its step run for real in a throwaway git repository).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { parse } from "yaml";
import { initFiles } from "../../lib/cli/init-files";
import { packageInfo } from "../../lib/cli/package-info";
import { DATABASE_IMAGES } from "../../lib/images";
import { findImageLiterals } from "../../lib/updates/sources";
import { readSchemaJson } from "../support/schemas";
import { tempDir } from "../support/synth";

const files = initFiles(packageInfo(), "my-homelab");
const renovate = JSON.parse(files["renovate.json"]);
const manager = renovate.customManagers[0];

/** Renovate's `/.../` pattern form as a JavaScript RegExp. */
const patternOf = (text: string): RegExp => new RegExp(/^\/(.*)\/$/.exec(text)![1]);

/** What Renovate's regex manager extracts from `text` (matchStringsStrategy "any": every match of every string). */
function extract(text: string): Array<{ depName: string; currentValue: string; currentDigest?: string }> {
  return manager.matchStrings.flatMap((source: string) =>
    [...text.matchAll(new RegExp(source, "g"))].map((m) => ({ depName: m.groups!.depName, currentValue: m.groups!.currentValue, ...(m.groups!.currentDigest && { currentDigest: m.groups!.currentDigest }) })),
  );
}

/** What `dockhost updates` reads from `text`, in Renovate's terms. */
function literals(text: string): Array<{ depName: string; currentValue: string; currentDigest?: string }> {
  return findImageLiterals("main.ts", text).map(({ ref }) => ({
    depName: ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository,
    currentValue: ref.tag!,
    ...(ref.digest && { currentDigest: ref.digest }),
  }));
}

const DIGEST = `sha256:${"ab12".repeat(16)}`;
const PINNED = `
  const SIDECAR_IMAGE = "ghcr.io/owner/app:2.1.0@${DIGEST}";
  new ComposeStack(apps, "data", { engine, services: {
    db: { image: "postgres:16.4-alpine@${DIGEST}" },
    cache: { image: "redis:7.4.1" },
    local: { image: "registry.lan:5000/team/tool:1.0.0" },
  } });
`;

describe("the scaffold's renovate.json", () => {
  test("is valid against Renovate's schema, and the check can fail", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The schema's `format: "regex"` fields: a pattern JavaScript can compile.
    ajv.addFormat("regex", {
      validate: (s: string) => {
        try {
          return new RegExp(s) instanceof RegExp;
        } catch {
          return false;
        }
      },
    });
    const validate = ajv.compile(readSchemaJson("json", "renovate-schema.json") as object);
    expect(validate(renovate)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    const broken = { ...renovate, customManagers: [{ ...manager, customType: "regexp" }], packageRules: [{ matchUpdateTypes: ["huge"] }] };
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(["/customManagers/0/customType", "/packageRules/0/matchUpdateTypes/0"]));
  });

  test("its manager reads the TypeScript files, and finds every image of the scaffold's main.ts as dockhost updates does", () => {
    const fileMatch = patternOf(manager.managerFilePatterns[0]);
    expect(["main.ts", "lib/apps.ts"].filter((f) => fileMatch.test(f))).toEqual(["main.ts", "lib/apps.ts"]);
    expect(["package.json", "renovate.json", "main.js"].filter((f) => fileMatch.test(f))).toEqual([]);
    expect(manager.datasourceTemplate).toBe("docker");
    const found = extract(files["main.ts"]);
    expect(found).toEqual([{ depName: "traefik/whoami", currentValue: "v1.10.3" }]);
    expect(found).toEqual(literals(files["main.ts"]));
  });

  test("pins, registries with a port and constants: depName, currentValue and currentDigest as dockhost updates reads them", () => {
    expect(extract(PINNED)).toEqual([
      { depName: "ghcr.io/owner/app", currentValue: "2.1.0", currentDigest: DIGEST },
      { depName: "postgres", currentValue: "16.4-alpine", currentDigest: DIGEST },
      { depName: "redis", currentValue: "7.4.1" },
      { depName: "registry.lan:5000/team/tool", currentValue: "1.0.0" },
    ]);
    expect(extract(PINNED)).toEqual(literals(PINNED));
  });

  test("databases (the list dockhost updates and the policy pack use) get no major update; other images do", () => {
    const majors = renovate.packageRules.filter((r: any) => r.matchUpdateTypes?.includes("major") && r.enabled === false);
    expect(majors).toHaveLength(1);
    const rule = majors[0];
    expect(rule.matchDatasources).toEqual(["docker"]);
    for (const name of DATABASE_IMAGES) expect(rule.matchPackageNames).toContain(name);
    expect(rule.matchPackageNames).toEqual(expect.arrayContaining(["postgres", "library/postgres", "redis", "mariadb", "mysql", "mongo"]));
    expect(rule.matchPackageNames).not.toContain("traefik/whoami");
  });
});

describe("the scaffold's workflow on a pull request", () => {
  const git = (cwd: string, ...args: string[]): string => {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };

  test("the diff step synthesizes the base and prints what the pull request changes in the stacks", () => {
    const workflow = parse(files[".github/workflows/homelab.yml"]);
    expect(Object.keys(workflow.on)).toContain("pull_request");
    const step = workflow.jobs.synth.steps.find((s: any) => /diff/i.test(s.name ?? ""));
    expect(step.if).toBe("github.event_name == 'pull_request'");
    expect(step.env.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");

    // A repository with a base commit and a Renovate-style bump on top, cloned as the runner has it.
    const dir = tempDir("renovate-pr");
    const origin = path.join(dir, "origin");
    fs.mkdirSync(origin);
    git(origin, "init", "-q", "-b", "main");
    const identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
    fs.writeFileSync(path.join(origin, "main.ts"), files["main.ts"]);
    git(origin, "add", "main.ts");
    git(origin, ...identity, "commit", "-qm", "base");
    const base = git(origin, "rev-parse", "HEAD");
    fs.writeFileSync(path.join(origin, "main.ts"), files["main.ts"].replace("traefik/whoami:v1.10.3", "traefik/whoami:v1.11.0"));
    git(origin, ...identity, "commit", "-qam", "Update traefik/whoami to v1.11.0");
    const work = path.join(dir, "work");
    git(dir, "clone", "-q", origin, work);
    // npm stand-in: `npm run synth` writes main.ts into a stack, as cdktf would write its JSON.
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "npm"), '#!/bin/sh\n[ "$1 $2" = "run synth" ] || exit 0\nmkdir -p cdktf.out/stacks/dockhost-apps && cp main.ts cdktf.out/stacks/dockhost-apps/cdk.tf.json\n', { mode: 0o755 });
    spawnSync(path.join(bin, "npm"), ["run", "synth"], { cwd: work });
    // As GitHub runs a `run:` step: bash -e.
    const r = spawnSync("bash", ["-e", "-c", step.run], { cwd: work, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BASE_SHA: base } });
    expect(r.stderr).not.toMatch(/fatal|error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("dockhost-apps/cdk.tf.json | 2 +-");
    expect(r.stdout).toMatch(/^-.*traefik\/whoami:v1\.10\.3/m);
    expect(r.stdout).toMatch(/^\+.*traefik\/whoami:v1\.11\.0/m);
  });
});
