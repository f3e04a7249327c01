/** Types of requirements.js (plain CommonJS, shared with the summary reporter). */

/** How to tell a requirement is met, and how to meet it. */
export interface Requirement {
  readonly available: () => boolean;
  /** Debian package that provides it (collected into one apt-get command). */
  readonly debianPackage?: string;
  /** How to get it otherwise. */
  readonly hint?: string;
}

export type RequirementName =
  | "cloud-init" | "docker-compose" | "promtool" | "python3" | "shellcheck" | "yamllint" | "ssh" | "ssh-keygen" | "gpg" | "apt-get" | "unshare"
  | "docker-registry" | "openssl" | "terraform" | "root" | "debootstrap" | "systemd-nspawn" | "ip" | "iptables";

export const REQUIREMENTS: Readonly<Record<RequirementName, Requirement>>;
/** `DOCKHOST_REQUIRE_TOOLS`: set (and not 0), a missing requirement fails instead of skipping. */
export const STRICT_ENV: string;
export function installHint(names: readonly RequirementName[]): string;
export function missing(names: readonly RequirementName[]): RequirementName[];
export function strict(env?: Readonly<Record<string, string | undefined>>): boolean;
export function skipSummary(skippedTitles: readonly string[]): string | undefined;

/** Jest's functions for tests that need `names` (skipped without them, failing in strict mode). */
/** This process runs as root. */
export function isRoot(): boolean;

export function needs(...names: RequirementName[]): {
  readonly test: (title: string, fn: jest.ProvidesCallback, timeout?: number) => void;
  readonly it: (title: string, fn: jest.ProvidesCallback, timeout?: number) => void;
  readonly describe: (title: string, fn: () => void) => void;
  /** Everything is there. */
  readonly available: boolean;
};
