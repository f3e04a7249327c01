import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseCommandArgs } from "../args";
import { CliCommand, CliIo } from "../command";
import { initFiles } from "../init-files";
import { packageInfo } from "../package-info";
import { UsageError } from "../usage-error";

const USAGE = `Usage: dockhost init DIR [--no-install]

Writes a new homelab repository into DIR (created if missing; refused if not empty): main.ts with
a settings object to edit, package.json depending on this dockhost version, cdktf.json,
tsconfig.json, .gitignore (state and *.tfvars files stay out of git), terraform.tfvars.example,
a GitHub workflow (type-check, synth, and on a pull request the diff of the synthesized stacks)
and renovate.json (image updates as pull requests). Then runs \`npm install\` there, unless --no-install.

Next: edit main.ts, copy terraform.tfvars.example to terraform.tfvars, \`npx dockhost doctor\`,
\`npm run synth\`.`;

/** How often a slow step says it is still running. */
const PROGRESS_EVERY_MS = 10_000;

/** An npm package name from a folder name (lowercase; other characters become dashes). */
export function projectName(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return name === "" ? "homelab" : name;
}

/** Runs `npm install` in `dir`, printing a line every PROGRESS_EVERY_MS; resolves to success. */
function npmInstall(dir: string, io: CliIo): Promise<boolean> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  io.out("Installing dependencies (npm install; about a minute)...");
  return new Promise((resolve) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, ["install", "--no-audit", "--no-fund"], { cwd: dir, env: io.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const ticker = setInterval(() => io.out(`  still installing (${elapsed()})`), PROGRESS_EVERY_MS);
    const finish = (ok: boolean, reason: string) => {
      clearInterval(ticker);
      if (ok) io.out(`Installed in ${elapsed()}.`);
      else {
        io.err(`npm install failed in ${dir} (${reason}) after ${elapsed()}:`);
        io.err(output.trim().split("\n").slice(-15).join("\n"));
        io.err(`The files are written; fix the cause above, then run \`npm install\` in ${dir}.`);
      }
      resolve(ok);
    };
    child.on("error", (error) => finish(false, error.message));
    child.on("close", (code) => finish(code === 0, `exit code ${code}`));
  });
}

export const initCommand: CliCommand = {
  name: "init",
  summary: "scaffold a new homelab repository that uses dockhost",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { "no-install": { type: "boolean" } });
    const { positionals } = parsed;
    const install = !parsed.flag("no-install");
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name the folder to create, e.g. `dockhost init my-homelab`" : `one folder expected, got ${positionals.length}`);
    const dir = path.resolve(io.cwd, positionals[0]);
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) {
        io.err(`dockhost init: ${dir} is a file; name a new or empty folder.`);
        return 1;
      }
      const entries = fs.readdirSync(dir);
      if (entries.length > 0) {
        const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, ... (${entries.length} entries)` : "");
        io.err(`dockhost init: ${dir} is not empty (${shown}); init only writes into a new or empty folder, so nothing was written.`);
        return 1;
      }
    }
    const pkg = packageInfo();
    const files = initFiles(pkg, projectName(dir));
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(dir, ...file.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      io.out(`  wrote ${path.join(path.relative(io.cwd, dir) || ".", file)}`);
    }
    io.out(`Scaffolded a homelab on dockhost ${pkg.version} in ${dir}.`);
    if (install && !(await npmInstall(dir, io))) return 1;
    const cd = path.relative(io.cwd, dir) || ".";
    io.out(
      [
        "Next:",
        `  cd ${cd}${install ? "" : " && npm install"}`,
        "  edit main.ts (settings) and copy terraform.tfvars.example to terraform.tfvars",
        "  npx dockhost doctor     # checks your machine and your Proxmox server",
        "  npm run synth           # then npm run diff / npm run deploy",
      ].join("\n"),
    );
    return 0;
  },
};
