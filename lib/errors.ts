import { looksSecret, secretInText } from "./secret-names";

/**
 * Every error Dockhost raises for bad input comes from here, so they all read the same way:
 * where (construct path), which key, what value (redacted when secret), and what is allowed.
 */

/** What is known about one piece of bad input. */
export interface InvalidInput {
  /** Construct path (`node.path`) or another locator such as `compose file x.yml`. */
  readonly path: string;
  /** The key, as the user wrote it: a prop name or a dotted path (`services.db.ports[0]`). */
  readonly key: string;
  /** The value received. */
  readonly value: unknown;
  /** What would have been accepted. */
  readonly allowed: string;
  /**
   * When true, the value is never printed. Values that look secret (lib/secret-names.ts: a
   * secret-looking key, credentials in a URL, a private key) are redacted whatever this says.
   */
  readonly secret?: boolean;
}

export const REDACTED = "<redacted>";

/** Raised for malformed or impossible input; carries the parts of the message for tests and tools. */
export class DockhostInputError extends Error {
  public readonly path: string;
  public readonly key: string;
  public readonly allowed: string;

  constructor(input: InvalidInput) {
    super(`${input.path}: invalid ${input.key} = ${describeValue(input.value, input.secret || mayBeSecret(input.key, input.value))}; ${input.allowed}`);
    this.name = "DockhostInputError";
    this.path = input.path;
    this.key = input.key;
    this.allowed = input.allowed;
  }
}

/**
 * Several problems found in one pass (a compose import reports all of a file's at once); the
 * message lists each, and `problems` holds them for tools.
 */
export class DockhostInputErrors extends DockhostInputError {
  public readonly problems: readonly DockhostInputError[];

  constructor(problems: readonly DockhostInputError[]) {
    super({ path: problems[0].path, key: problems[0].key, value: undefined, allowed: problems[0].allowed });
    this.name = "DockhostInputErrors";
    this.message = [`${problems.length} problems:`, ...problems.map((p) => `- ${p.message}`)].join("\n");
    this.problems = problems;
  }
}

/** Throws the one problem as it is, or all of them together; returns when there are none. */
export function throwProblems(problems: readonly DockhostInputError[]): void {
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new DockhostInputErrors(problems);
}

/** Throws a {@link DockhostInputError}. Typed `never` so callers can use it in expressions. */
export function invalid(input: InvalidInput): never {
  throw new DockhostInputError(input);
}

/** Renders a value for a message: JSON for data, `<redacted>` for secrets, bounded in length. */
export function describeValue(value: unknown, secret = false): string {
  if (secret) return REDACTED;
  if (value === undefined) return "(missing)";
  const text = typeof value === "string" ? JSON.stringify(value) : safeJson(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Whether a value may be secret, judged by the key's last segment and by the value's content. */
function mayBeSecret(key: string, value: unknown): boolean {
  if (typeof value === "string") return looksSecret(key.split(/[.[\]]/).filter((part) => part !== "").pop(), value) || secretInText(value) !== undefined;
  return value !== undefined && value !== null && typeof value === "object" && secretInText(safeJson(value)) !== undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
