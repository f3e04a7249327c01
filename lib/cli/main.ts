/**
 * The `dockhost` command: `dockhost <command> [options]`. It parses the first word, prints help and
 * the version, and hands the rest to the command of that name (see {@link COMMANDS}).
 *
 * Exit codes: 0 success; 1 the command ran and found or hit a problem (doctor's findings, a
 * refused folder); 2 a usage error (unknown command or option, missing argument).
 */
import { CliCommand, CliIo } from "./command";
import { doctorCommand } from "./commands/doctor";
import { command as importCommand } from "./commands/import";
import { initCommand } from "./commands/init";
import { command as updatesCommand } from "./commands/updates";
import { packageInfo } from "./package-info";
import { UsageError } from "./usage-error";

/** Every subcommand, in the order `dockhost --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [initCommand, doctorCommand, importCommand, updatesCommand];

export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;


function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: dockhost <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     this help; `dockhost <command> --help` for a command's",
    "  -v, --version  the dockhost version",
  ].join("\n");
}

/** Runs `dockhost` with `args` (what follows the program name); resolves to the exit code. */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    (first === undefined ? io.err : io.out)(help());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === "-v" || first === "--version") {
    io.out(packageInfo().version);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    io.err(`dockhost: unknown command "${first}"; the commands are ${COMMANDS.map((c) => c.name).join(", ")}`);
    io.err("Run `dockhost --help` for usage.");
    return EXIT.usage;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    io.out(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`dockhost ${command.name}: ${error.message}`);
    io.err(command.usage);
    return EXIT.usage;
  }
}

/** The process entry (scripts/dockhost.js): real console, environment and exit code. */
export function runFromProcess(): void {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(`dockhost: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = EXIT.problem;
    },
  );
}
