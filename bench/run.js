#!/usr/bin/env node
// `npm run bench`: synth cost as separate processes, several runs each (median and spread of wall
// time and peak memory), printed as a table and written to bench/results.json.
//   a. the reference homelab with our app command (scripts/synth-app.js)
//   b. the same homelab with the stock `npx ts-node main.ts` command, as a ratio
//   c. synthetic homelabs of 10, 100 and 1,000 containers on 1, 5 and 20 VMs
//   d. the floor: a bare cdktf app with the same raw resources and nothing of ours
//   e. import and synth of generated compose files of about 1 MB and 10 MB (one service, many
//      environment variables: the shape that was once quadratic)
// Times are for the app command alone; the cdktf CLI adds its own start-up to any of them.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
// No ledger: the benchmark synthesizes several apps from this folder, each its own homelab.
process.env.DOCKHOST_LEDGER_FILE = "";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const STOCK_RUNS = Number(process.env.BENCH_STOCK_RUNS ?? 3);
const COMPOSE_MB = [1, 10];
const COMPOSE_RUNS = Number(process.env.BENCH_COMPOSE_RUNS ?? 3);
const SIZES = [
  { containers: 10, vms: 1 },
  { containers: 100, vms: 5 },
  { containers: 1000, vms: 20 },
];

/** Runs `command` once in a fresh outdir; returns wall seconds and the peak RSS of its node processes. */
function measure(command, args, env) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-bench-"));
  const rssFile = path.join(outdir, "rss");
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir, DOCKHOST_BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${path.join(__dirname, "peak-rss.js")}` },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  const peakMb = Math.max(...fs.readFileSync(rssFile, "utf8").trim().split("\n").map(Number)) / 1024;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { seconds, peakMb };
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

function scenario(name, runs, command, args, env = {}) {
  measure(command, args, env); // warm-up: file caches, the app bundle
  const samples = Array.from({ length: runs }, () => measure(command, args, env));
  const row = { name, runs, seconds: stats(samples.map((s) => s.seconds)), peakMb: stats(samples.map((s) => s.peakMb)) };
  console.error(`  ${name}: ${row.seconds.median.toFixed(2)} s, ${row.peakMb.median.toFixed(0)} MB`);
  return row;
}

const app = (entry, env) => ["node", [path.join(root, "scripts", "synth-app.js"), entry], env];

/** How many containers an app of ours synthesizes, so that its floor declares as many. */
function containersOf(entry, env = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-bench-"));
  spawnSync("node", [path.join(root, "scripts", "synth-app.js"), entry], { cwd: root, env: { ...process.env, ...env, CDKTF_OUTDIR: outdir } });
  const apps = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "dockhost-apps", "cdk.tf.json"), "utf8"));
  fs.rmSync(outdir, { recursive: true, force: true });
  return String(Object.keys(apps.resource.docker_container).length);
}

console.error(`benchmark: ${RUNS} runs per scenario (${STOCK_RUNS} for ts-node), after one warm-up`);
const rows = [
  scenario("reference: our app command", RUNS, ...app("main.ts")),
  scenario("reference: npx ts-node main.ts", STOCK_RUNS, "npx", ["ts-node", "main.ts"]),
  scenario("reference floor: bare cdktf app", RUNS, ...app("bench/bare-homelab.ts", { BENCH_CONTAINERS: containersOf("main.ts"), BENCH_VMS: "1" })),
];
for (const { containers, vms } of SIZES) {
  const env = { BENCH_CONTAINERS: String(containers), BENCH_VMS: String(vms) };
  rows.push(scenario(`${containers} containers, ${vms} VMs: ours`, RUNS, ...app("bench/synthetic-homelab.ts", env)));
  // The floor declares as many containers as ours synthesizes (the backup and its socket proxy included).
  const floorEnv = { ...env, BENCH_CONTAINERS: containersOf("bench/synthetic-homelab.ts", env) };
  rows.push(scenario(`${containers} containers, ${vms} VMs: bare floor`, RUNS, ...app("bench/bare-homelab.ts", floorEnv)));
}

/** A compose file of about `megabytes` MB: one service with that many bytes of environment. */
function composeFile(megabytes) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-bench-compose-")), "compose.yml");
  const lines = ["services:", "  app:", "    image: nginx:1.27.3-alpine", "    environment:"];
  const line = (i) => `      SETTING_${i}: "value-${i}-abcdefghijklmnopqrstuvwxyz"`;
  let size = 0;
  for (let i = 0; size < megabytes * 1e6; i++) size += lines[lines.push(line(i)) - 1].length + 1;
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
for (const megabytes of COMPOSE_MB) {
  const file = composeFile(megabytes);
  rows.push(scenario(`compose import + synth, ${megabytes} MB`, COMPOSE_RUNS, ...app("bench/compose-import.ts", { BENCH_COMPOSE_FILE: file })));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

const median = (name) => rows.find((r) => r.name === name).seconds.median;
const ratios = {
  stockOverOurs: median("reference: npx ts-node main.ts") / median("reference: our app command"),
  oursOverFloorReference: median("reference: our app command") / median("reference floor: bare cdktf app"),
  ...Object.fromEntries(SIZES.map(({ containers, vms }) => [`oursOverFloor${containers}`, median(`${containers} containers, ${vms} VMs: ours`) / median(`${containers} containers, ${vms} VMs: bare floor`)])),
  growth100To1000: median("1000 containers, 20 VMs: ours") / median("100 containers, 5 VMs: ours"),
  composeGrowth1To10Mb: median(`compose import + synth, ${COMPOSE_MB[1]} MB`) / median(`compose import + synth, ${COMPOSE_MB[0]} MB`),
};

const pad = (text, width) => String(text).padEnd(width);
console.log(`${pad("scenario", 40)} ${pad("median s", 9)} ${pad("min-max s", 12)} ${pad("peak MB", 8)}`);
for (const r of rows) {
  console.log(`${pad(r.name, 40)} ${pad(r.seconds.median.toFixed(2), 9)} ${pad(`${r.seconds.min.toFixed(2)}-${r.seconds.max.toFixed(2)}`, 12)} ${pad(r.peakMb.median.toFixed(0), 8)}`);
}
for (const [name, value] of Object.entries(ratios)) console.log(`${pad(name, 40)} ${value.toFixed(2)}x`);

const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, runs: RUNS, rows, ratios };
fs.writeFileSync(path.join(__dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.error("written to bench/results.json");
