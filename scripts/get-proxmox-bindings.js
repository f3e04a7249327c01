#!/usr/bin/env node
// Generates the TypeScript bindings for bpg/proxmox into .gen/ (git-ignored).
// There is no @cdktf/provider-proxmox package, so we run the official CDKTF generator
// on the provider's real `terraform providers schema -json` output, offline. Without a
// schema file we fall back to `cdktf get`, which downloads the provider (needs internet)
// and writes the same files.
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const PROVIDER = { name: "proxmox", source: "bpg/proxmox", version: "0.111.1" };
const SCHEMA_ENV = "DOCKHOST_PROXMOX_SCHEMA";
const root = path.resolve(__dirname, "..");
const outdir = path.join(root, ".gen");
const stamp = path.join(outdir, "providers", PROVIDER.name, ".schema-sha256");

function schemaPath() {
  const explicit = process.env[SCHEMA_ENV];
  // A schema named on purpose must exist: falling back to another one would hide the mistake.
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`${SCHEMA_ENV}=${explicit} does not exist`);
    return explicit;
  }
  const sharedDir = process.env.DOCKHOST_SHARED_DIR ?? path.join(root, "..", "shared");
  const shared = path.join(sharedDir, "provider-schemas", `bpg-proxmox-${PROVIDER.version}.schema.json`);
  return fs.existsSync(shared) ? shared : undefined;
}

async function generateFromSchema(file) {
  const raw = fs.readFileSync(file);
  const sha = require("crypto").createHash("sha256").update(raw).digest("hex");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === sha) {
    console.log(`proxmox bindings are up to date (${path.relative(root, stamp)})`);
    return;
  }
  // The package index eagerly loads jsii-pacmak, which it does not depend on: use the module itself.
  const { TerraformProviderGenerator } = require("@cdktf/provider-generator/lib/get/generator/provider-generator");
  const { CodeMaker } = require("codemaker");
  const { ConstructsMakerProviderTarget, TerraformProviderConstraint, Language } = require("@cdktf/commons");
  const schema = JSON.parse(raw.toString("utf8"));
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  generator.generate(new ConstructsMakerProviderTarget(new TerraformProviderConstraint(PROVIDER), Language.TYPESCRIPT));
  fs.rmSync(path.join(outdir, "providers", PROVIDER.name), { recursive: true, force: true });
  await code.save(outdir);
  fs.writeFileSync(stamp, sha);
  console.log(`generated proxmox ${PROVIDER.version} bindings into .gen/ from ${file}`);
}

async function main() {
  const file = schemaPath();
  if (file) return generateFromSchema(file);
  console.log(`no bpg/proxmox schema file found (set ${SCHEMA_ENV}); running \`cdktf get\` instead`);
  execFileSync("npx", ["cdktf", "get"], { cwd: root, stdio: "inherit" });
}

main().catch((err) => {
  console.error(`get-proxmox-bindings: ${err.message}`);
  process.exit(1);
});
