// Bundles a TypeScript entry point of this repository with esbuild, without type-checking (`npm
// test` and `npm run build` type-check), into node_modules/.cache/dockhost/<name>.js, and returns
// the bundle's path. It is rebuilt only when one of its source files changed since the last build.
// scripts/synth-app.js (the cdktf app) and scripts/dockhost.js (the CLI, in development) use it.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

function isFresh(outfile, inputsFile) {
  try {
    const built = fs.statSync(outfile).mtimeMs;
    // This script's own build options count as an input too.
    const inputs = [path.relative(root, __filename), ...JSON.parse(fs.readFileSync(inputsFile, "utf8"))];
    return inputs.every((file) => fs.statSync(path.join(root, file)).mtimeMs < built);
  } catch {
    return false;
  }
}

/** The bundle of `entry` (a path), named `name`, built if it is missing or stale. */
function bundle(entry, name) {
  const outfile = path.join(root, "node_modules", ".cache", "dockhost", `${name}.js`);
  const inputsFile = `${outfile}.inputs.json`;
  if (!isFresh(outfile, inputsFile)) {
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
  return outfile;
}

module.exports = { bundle, root };
