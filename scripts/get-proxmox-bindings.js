#!/usr/bin/env node
// Generates the TypeScript bindings for bpg/proxmox into .gen/ (git-ignored).
// There is no @cdktf/provider-proxmox package, so we run the official CDKTF generator
// on the provider's real `terraform providers schema -json` output, offline. The schema
// travels with the repository (lib/schemas/provider/, see SOURCES.md there); `npm run get:cdktf`
// (`cdktf get`, needs terraform and the registry) is the documented refresh path.
"use strict";
const fs = require("fs");
const path = require("path");

// The CDKTF libraries would ask HashiCorp's checkpoint service for news: an install stays offline.
process.env.CHECKPOINT_DISABLE ??= "1";

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
  return path.join(root, "lib", "schemas", "provider", `bpg-proxmox-${PROVIDER.version}.schema.json`);
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

generateFromSchema(schemaPath()).catch((err) => {
  console.error(`get-proxmox-bindings: ${err.message}`);
  process.exit(1);
});
