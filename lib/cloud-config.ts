import { stringify } from "yaml";
import { invalid } from "./errors";

/**
 * A typed cloud-config document that several constructs contribute to (the VM adds users and the
 * guest agent, the Docker host adds packages, files and commands) without clobbering each other:
 * lists merge, and the same file path or setting given twice with different content is an error.
 *
 * Values that Terraform decides at plan time (the SSH keys variable, the VM's name under `count`)
 * are {@link TerraformExpression}s. `render()` returns a Terraform template string: literal text is
 * escaped (`${` becomes `$${`) so shell snippets survive, and expressions become `${...}`.
 */
export class TerraformExpression {
  constructor(public readonly expression: string) {}
}

/** A Terraform expression whose value is a list: rendered as a JSON (= YAML flow) sequence. */
export function jsonListExpression(expression: string): TerraformExpression {
  return new TerraformExpression(`jsonencode(${expression})`);
}

/** A user cloud-init creates. */
export interface CloudConfigUser {
  readonly name: string;
  readonly groups?: readonly string[];
  readonly shell?: string;
  /** sudoers rule, e.g. `ALL=(ALL) NOPASSWD:ALL`. */
  readonly sudo?: string;
  readonly sshAuthorizedKeys: readonly string[] | TerraformExpression;
}

/** A file cloud-init writes on the VM. */
export interface CloudConfigFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode as a string, e.g. `0644`. */
  readonly permissions?: string;
  readonly owner?: string;
  /** Write after packages and users exist (needed for files owned by a created user). */
  readonly defer?: boolean;
}

type Scalar = string | number | boolean | TerraformExpression;
type Setting = Scalar | readonly string[] | Record<string, unknown>;

/** The VM's cloud-init user-data, which constructs add packages, files, users and commands to. */
export class CloudConfig {
  private readonly packages = new Set<string>();
  private readonly users = new Map<string, CloudConfigUser>();
  private readonly files = new Map<string, CloudConfigFile>();
  private readonly commands: string[] = [];
  private readonly settings = new Map<string, Setting>();

  /** @param path construct path used in error messages */
  constructor(private readonly path: string) {}

  addPackages(...names: string[]): this {
    names.forEach((n) => this.packages.add(n));
    return this;
  }

  addUser(user: CloudConfigUser): this {
    this.claim(this.users, user.name, user, `users.${user.name}`);
    return this;
  }

  addFile(file: CloudConfigFile): this {
    this.claim(this.files, file.path, file, `write_files.${file.path}`);
    return this;
  }

  /** Shell commands run once, in order, at the end of the first boot (each one goes to `sh -c`). */
  addCommands(...commands: string[]): this {
    this.commands.push(...commands);
    return this;
  }

  /** A top-level cloud-config key such as `ssh_pwauth` or `bootcmd`. */
  set(key: string, value: Setting): this {
    this.claim(this.settings, key, value, key);
    return this;
  }

  /** Every package to install, sorted. */
  get packageList(): readonly string[] {
    return [...this.packages].sort();
  }

  get fileList(): readonly CloudConfigFile[] {
    return [...this.files.values()];
  }

  get commandList(): readonly string[] {
    return this.commands;
  }

  /** The document as a plain object (expressions still as {@link TerraformExpression}). */
  toObject(): Record<string, unknown> {
    const doc: Record<string, unknown> = Object.fromEntries(this.settings);
    if (this.users.size > 0) doc.users = [...this.users.values()].map(renderUser);
    if (this.packages.size > 0) doc.packages = [...this.packages].sort();
    if (this.files.size > 0) doc.write_files = [...this.files.values()].map(renderFile);
    if (this.commands.length > 0) doc.runcmd = [...this.commands];
    return doc;
  }

  /** The user-data document as a Terraform template string (see the class comment). */
  render(): string {
    const expressions: string[] = [];
    const placeholder = (e: TerraformExpression) => `__TFEXPR${expressions.push(e.expression) - 1}__`;
    const yaml = stringify(replaceExpressions(this.toObject(), placeholder), { lineWidth: 0 });
    const escaped = escapeTerraformTemplate(`#cloud-config\n${yaml}`);
    return escaped.replace(/__TFEXPR(\d+)__/g, (_, i: string) => `\${${expressions[Number(i)]}}`);
  }

  private claim<T>(map: Map<string, T>, id: string, value: T, key: string): void {
    const existing = map.get(id);
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
      invalid({ path: this.path, key: `cloud-config ${key}`, value, allowed: "each key may be set once; it is already set to a different value" });
    }
    map.set(id, value);
  }
}

/**
 * Makes literal text safe inside a Terraform string: `${` and `%{` would start template sequences.
 * cdktf's own token markers (`${TfToken[...]}`, a Terraform variable inside the text) are kept.
 */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)|%\{/g, (start) => start[0] + start);
}

function renderUser(user: CloudConfigUser): Record<string, unknown> {
  return {
    name: user.name,
    ...(user.groups && { groups: user.groups.join(", ") }),
    ...(user.shell && { shell: user.shell }),
    ...(user.sudo && { sudo: user.sudo }),
    lock_passwd: true,
    ssh_authorized_keys: user.sshAuthorizedKeys,
  };
}

function renderFile(file: CloudConfigFile): Record<string, unknown> {
  return {
    path: file.path,
    content: file.content,
    ...(file.permissions && { permissions: file.permissions }),
    ...(file.owner && { owner: file.owner }),
    ...(file.defer && { defer: true }),
  };
}

function replaceExpressions(value: unknown, placeholder: (e: TerraformExpression) => string): unknown {
  if (value instanceof TerraformExpression) return placeholder(value);
  if (Array.isArray(value)) return value.map((v) => replaceExpressions(v, placeholder));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceExpressions(v, placeholder)]));
  }
  return value;
}
