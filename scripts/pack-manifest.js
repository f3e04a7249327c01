#!/usr/bin/env node
// The package.json that `npm pack` ships: the repository's, minus what only the repository uses
// (its scripts, `prepare` included, run files the package does not ship; its devDependencies).
// `trim` (prepack, after the build) saves the repository's file and writes the trimmed one;
// `restore` (postpack) puts the repository's file back. npm reads package.json for the tarball
// after prepack, so the tarball gets the trimmed file.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const manifest = path.join(root, "package.json");
// Beside it, where a pack that died half-way leaves it in plain sight (`files` never ships it).
const saved = path.join(root, ".package.json.before-pack");
/** Keys of the repository's package.json that the published one leaves out. */
const REPOSITORY_ONLY = ["scripts", "devDependencies"];

function trim() {
  // A pack that failed half-way left the trimmed file: never save that one over the original.
  if (fs.existsSync(saved)) restore();
  const text = fs.readFileSync(manifest, "utf8");
  fs.writeFileSync(saved, text);
  const published = JSON.parse(text);
  for (const key of REPOSITORY_ONLY) delete published[key];
  fs.writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`);
}

function restore() {
  fs.copyFileSync(saved, manifest);
  fs.rmSync(saved);
}

const actions = { trim, restore };
const action = actions[process.argv[2]];
if (!action) {
  console.error(`usage: pack-manifest.js ${Object.keys(actions).join("|")}`);
  process.exit(2);
}
action();
