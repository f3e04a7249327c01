#!/usr/bin/env node
// The cdktf app command (cdktf.json "app"). It bundles main.ts and what it imports from this repo
// with esbuild, without type-checking (`npm test` and `npm run build` type-check), and runs the
// bundle in this process: a synth then costs what the constructs cost, not a TypeScript compiler.
// The bundle is rebuilt only when one of its source files changed since the last build.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
// The benchmark runs other entry points the same way; the default is the reference homelab.
const entry = path.resolve(root, process.argv[2] ?? "main.ts");
const outfile = path.join(root, "node_modules", ".cache", "dockhost", `${path.basename(entry, ".ts")}.js`);
const inputsFile = `${outfile}.inputs.json`;

function isFresh() {
  try {
    const built = fs.statSync(outfile).mtimeMs;
    // This script's own build options count as an input too.
    const inputs = [path.relative(root, __filename), ...JSON.parse(fs.readFileSync(inputsFile, "utf8"))];
    return inputs.every((file) => fs.statSync(path.join(root, file)).mtimeMs < built);
  } catch {
    return false;
  }
}

if (!isFresh()) {
  const { metafile } = require("esbuild").buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // cdktf, constructs and the providers load from node_modules, as one shared copy (tokens and
    // construct classes are process-wide); our sources and small pure libraries (yaml, ip-address)
    // are bundled, which spares loading them file by file.
    external: ["cdktf", "cdktf/*", "constructs", "@cdktf/*"],
    metafile: true,
    logLevel: "warning",
    absWorkingDir: root,
  });
  fs.writeFileSync(inputsFile, JSON.stringify(Object.keys(metafile.inputs)));
}
// main.ts synthesizes only when it is the entry point (tests import it); in the bundle, its
// `synth` export is how it is told to. The benchmark's entry points synthesize when loaded.
const entryModule = require(outfile);
if (typeof entryModule.synth === "function") entryModule.synth();
