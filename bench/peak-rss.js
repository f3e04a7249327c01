// Preloaded into every node process of a benchmark run (NODE_OPTIONS=--require): records the
// process's peak resident memory, so wrappers such as npx count with the app they start.
"use strict";
const fs = require("fs");

const file = process.env.DOCKHOST_BENCH_RSS_FILE;
if (file) process.on("exit", () => fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
