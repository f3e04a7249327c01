import { CliIo } from "../../lib/cli/command";
import { main } from "../../lib/cli/main";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** Both streams, in order. */
  readonly all: string;
}

/** Runs `dockhost <args>` in-process with its own cwd and environment; collects what it prints. */
export async function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const io: CliIo = {
    out: (line) => (out.push(line), all.push(line)),
    err: (line) => (err.push(line), all.push(line)),
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH },
  };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n"), all: all.join("\n") };
}

/** A CliIo for running one command directly, keeping its lines (empty environment). */
export function captureIo(cwd: string): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { cwd, env: {}, lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
