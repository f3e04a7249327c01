/**
 * Typed reading of a parsed compose file. Every value carries the key path that led to it, so each
 * error names the key (`services.web.ports[1]`); strings are interpolated when read, so messages
 * show what the file says (`${DB_PASSWORD}`), never what a variable holds.
 */
import { DockhostInputError, invalid } from "../errors";
import { interpolate } from "./interpolate";
import type { Fail } from "./short-syntax";

/** A value of the compose file and the key path that leads to it. */
export interface Field {
  readonly key: string;
  readonly value: unknown;
}

/** Children of a mapping by name; absent keys are undefined. */
export type Fields = Readonly<Partial<Record<string, Field>>>;

/** How a mapping treats `x-` extension keys, which compose itself ignores. */
export type Extensions = "ignore" | "reject";

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Reads one compose file on behalf of the importer. */
export class ComposeReader {
  /** Problems recorded by {@link attempt}, in the order found. */
  public readonly problems: DockhostInputError[] = [];
  /** What the import did that a reader should know (a value dropped as compose drops it, a step left to the user). */
  public readonly warnings: string[] = [];

  /**
   * @param path locator that starts every message, e.g. `compose file apps/db.yml`
   * @param variables values for interpolation
   */
  constructor(private readonly path: string, private readonly variables: Readonly<Record<string, string>>) {}

  /**
   * Runs one read; a problem it throws is recorded and the read yields undefined, so the import
   * goes on and reports every problem of the file at once.
   */
  attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof DockhostInputError)) throw error;
      this.problems.push(error);
      return undefined;
    }
  }

  /** Records a warning about this field. */
  warn(field: Field, message: string): void {
    this.warnings.push(`${this.path}: ${field.key}: ${message}`);
  }

  /** Throws for this field. */
  fail(field: Field, allowed: string): never {
    return invalid({ path: this.path, key: field.key, value: field.value, allowed });
  }

  /** A {@link Fail} for parsers of short-syntax strings read from this field. */
  failure(field: Field): Fail {
    return (allowed) => this.fail(field, allowed);
  }

  /** Throws because the model has no place for this key; `hint` says what to do instead. */
  unsupported(field: Field, hint = "remove it, or extend lib/compose/service.ts"): never {
    return this.fail(field, `not supported by Dockhost's compose model: ${hint}`);
  }

  /** The child `name` of a mapping field. */
  child(field: Field, name: string, value: unknown): Field {
    return { key: field.key === "" ? name : `${field.key}.${name}`, value };
  }

  /** A mapping with any keys (environment, labels, options); null counts as empty. */
  entries(field: Field): Readonly<Record<string, Field>> {
    if (field.value === null) return {};
    if (typeof field.value !== "object" || Array.isArray(field.value)) this.fail(field, "a mapping");
    return Object.fromEntries(
      Object.entries(field.value as Record<string, unknown>).map(([name, value]) => [
        name,
        this.child(field, name, value),
      ]),
    );
  }

  /**
   * A mapping whose keys the model represents. Any other key is recorded as a problem, with the
   * reason from `hints` when there is one: nothing in a compose file is dropped without a word.
   */
  fields(
    field: Field,
    known: readonly string[],
    hints: Readonly<Record<string, string>> = {},
    extensions: Extensions = "reject",
  ): Fields {
    const entries = this.entries(field);
    // Every unknown key is recorded and the known ones are still read: one run reports all.
    for (const [name, entry] of Object.entries(entries)) {
      if (known.includes(name) || (extensions === "ignore" && name.startsWith("x-"))) continue;
      this.attempt(() => this.unsupported(entry, Object.hasOwn(hints, name) ? hints[name] : undefined));
    }
    return Object.fromEntries(Object.entries(entries).filter(([name]) => known.includes(name)));
  }

  /** A list, as fields `key[0]`, `key[1]`, .... */
  list(field: Field): Field[] {
    if (!Array.isArray(field.value)) this.fail(field, "a list");
    return (field.value as unknown[]).map((value, index) => ({ key: `${field.key}[${index}]`, value }));
  }

  /** A string (a number is taken as its text, as compose does), interpolated. */
  string(field: Field): string {
    if (typeof field.value === "number") return String(field.value);
    if (typeof field.value !== "string") this.fail(field, "a string");
    return interpolate(field.value as string, this.variables, { path: this.path, key: field.key });
  }

  /** A number, or a string that interpolates to one. */
  number(field: Field): number {
    if (typeof field.value === "number") return field.value;
    const text = typeof field.value === "string" ? this.string(field) : "";
    return NUMBER.test(text) ? Number(text) : this.fail(field, "a number");
  }

  /** `true` or `false`, or a string that interpolates to one. */
  boolean(field: Field): boolean {
    if (typeof field.value === "boolean") return field.value;
    const text = typeof field.value === "string" ? this.string(field) : "";
    return text === "true" || text === "false" ? text === "true" : this.fail(field, "true or false");
  }

  /** A list of strings. */
  strings(field: Field): string[] {
    return this.list(field).map((item) => this.string(item));
  }

  /** One string or a list of strings. */
  stringOrStrings(field: Field): string[] {
    return Array.isArray(field.value) ? this.strings(field) : [this.string(field)];
  }
}
