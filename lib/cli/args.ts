import { parseArgs, ParseArgsConfig } from "util";
import { UsageError } from "./usage-error";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** A string option's value. */
  string(name: string): string | undefined;
  /** Whether a boolean option was given. */
  flag(name: string): boolean;
}

/** Node's parseArgs, strict, with its complaints turned into usage errors (exit code 2). */
export function parseCommandArgs(args: readonly string[], options: Options): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return {
      positionals,
      string: (name) => (typeof values[name] === "string" ? (values[name] as string) : undefined),
      flag: (name) => values[name] === true,
    };
  } catch (error) {
    // Node's ERR_PARSE_ARGS_* errors (duck-typed: under Jest they come from another realm).
    throw new UsageError(String((error as { message?: unknown }).message ?? error));
  }
}

/** An integer option's value, or a usage error naming the option. */
export function integerOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return Number(value);
}
