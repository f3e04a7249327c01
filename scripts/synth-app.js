#!/usr/bin/env node
// The cdktf app command (cdktf.json "app"). It bundles main.ts and what it imports from this repo
// (scripts/bundle.js) and runs the bundle in this process: a synth then costs what the constructs
// cost, not a TypeScript compiler.
"use strict";
const path = require("path");
const { bundle, root } = require("./bundle");

// The benchmark runs other entry points the same way; the default is the reference homelab.
const entry = path.resolve(root, process.argv[2] ?? "main.ts");
// main.ts synthesizes only when it is the entry point (tests import it); in the bundle, its
// `synth` export is how it is told to. The benchmark's entry points synthesize when loaded.
const entryModule = require(bundle(entry, path.basename(entry, ".ts")));
if (typeof entryModule.synth === "function") entryModule.synth();
