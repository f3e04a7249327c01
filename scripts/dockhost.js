#!/usr/bin/env node
// The `dockhost` command (package.json "bin"). Installed from npm, it runs the compiled CLI in
// dist/; in this repository (where lib/cli/main.ts exists) it runs the sources, bundled by
// esbuild (scripts/bundle.js), so `npx dockhost` never runs a stale build.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const source = path.join(root, "lib", "cli", "main.ts");
const cli = fs.existsSync(source) ? require(require("./bundle").bundle(source, "dockhost-cli")) : require(path.join(root, "dist", "lib", "cli", "main.js"));
cli.runFromProcess();
