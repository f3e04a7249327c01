#!/usr/bin/env node
// Turns the saved output of `cdktf diff <stack>` into a Markdown section for a GitHub job summary
// (or a pull-request comment): the plan's headline, then the whole plan, folded.
// Usage: node scripts/diff-summary.js <stack> <file>   (prints the Markdown)
"use strict";
const fs = require("fs");

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const HEADLINES = [/Plan: \d+ to import, \d+ to add, \d+ to change, \d+ to destroy\./, /Plan: \d+ to add, \d+ to change, \d+ to destroy\./, /No changes\. Your infrastructure matches the configuration\./];
// Markdown fences end at a line of backticks: keep the plan from closing ours.
const FENCE = "`````";

function summarize(stack, output) {
  const text = output.replace(ANSI, "").replace(/\r/g, "");
  const headline = HEADLINES.map((pattern) => pattern.exec(text)?.[0]).find(Boolean) ?? "no plan found: see the job log";
  const destroys = /[1-9]\d* to destroy/.test(headline) ? " **(destroys resources: read before merging)**" : "";
  return [`### ${stack}: ${headline}${destroys}`, "", "<details><summary>Full plan</summary>", "", `${FENCE}diff`, text.trim(), FENCE, "", "</details>", ""].join("\n");
}

if (require.main === module) {
  const [stack, file] = process.argv.slice(2);
  if (!stack || !file) {
    console.error("usage: node scripts/diff-summary.js <stack> <file>");
    process.exit(2);
  }
  process.stdout.write(summarize(stack, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""));
}

module.exports = { summarize };
