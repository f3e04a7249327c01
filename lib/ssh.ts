/**
 * SSH trust for everything that reaches the VM from the deploying machine (the readiness gate,
 * the day-2 apply and the Docker provider). Trust on first use, pinned afterwards: the first
 * connection records the VM's host key in a dedicated known_hosts file, and every later connection
 * must match it. Host key checking is never switched off.
 */
export const DEFAULT_KNOWN_HOSTS_FILE = "~/.ssh/dockhost_known_hosts";

export function sshTrustOptions(knownHostsFile: string): string[] {
  return ["-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${knownHostsFile}`];
}

/** Options for non-interactive runs: fail instead of prompting, and do not hang on a dead host. */
export const SSH_BATCH_OPTIONS = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"];

/** Quotes one word for POSIX sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `ssh` command line (pinned trust, batch options), quoted for sh, without the destination. */
export function sshCommand(knownHostsFile: string): string {
  return ["ssh", ...sshTrustOptions(knownHostsFile), ...SSH_BATCH_OPTIONS].map(shellQuote).join(" ");
}
