#!/usr/bin/env node
// The cdktf app command (cdktf.json "app"). It bundles main.ts and what it imports from this repo
// with esbuild, without type-checking (`npm test` and `npm run build` type-check), and runs the
// bundle in this process: a synth then costs what the constructs cost, not a TypeScript compiler.
"use strict";
const path = require("path");
const { buildSync } = require("esbuild");

const root = path.resolve(__dirname, "..");
const outfile = path.join(root, "node_modules", ".cache", "dockhost", "main.js");

buildSync({
  entryPoints: [path.join(root, "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // Dependencies load from node_modules as usual; only our own sources are bundled.
  packages: "external",
  logLevel: "warning",
});
require(outfile);
