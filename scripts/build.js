#!/usr/bin/env node
// Builds the npm package into dist/: the public entry (constructs/index.ts) and everything it
// imports, compiled with declarations, including the generated Proxmox bindings it uses
// (dist/.gen/...), plus cloud-init/, which lib/host-template.ts reads at run time from
// `<dist>/lib/../cloud-init`. `npm pack` runs it (prepack).
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");

if (!fs.existsSync(path.join(root, ".gen", "providers", "proxmox"))) {
  console.error("build: the Proxmox bindings are missing; run `npm run get` first");
  process.exit(1);
}
const started = Date.now();
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
fs.cpSync(path.join(root, "cloud-init"), path.join(dist, "cloud-init"), { recursive: true });
console.error(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
