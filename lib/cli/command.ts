/**
 * One subcommand of the `dockhost` CLI. Each lives in `lib/cli/commands/<name>.ts` and exports a
 * `command` of this shape; `lib/cli/main.ts` lists them. Commands write through `io`, never to
 * the console directly, so tests can run them in-process and read what they printed.
 */
export interface CliIo {
  /** Normal output (results, progress). */
  out(line: string): void;
  /** Problems and warnings. */
  err(line: string): void;
  /** The working directory relative paths resolve against. */
  readonly cwd: string;
  /** The environment the command sees. */
  readonly env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** The word after `dockhost`, e.g. `init`. */
  readonly name: string;
  /** One line for `dockhost --help`. */
  readonly summary: string;
  /** The usage text for `dockhost <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
