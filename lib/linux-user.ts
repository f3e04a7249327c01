import { invalid } from "./errors";

/** useradd's portable name rule (Debian's NAME_REGEX default), at most 32 characters. */
export const LINUX_USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Names Ubuntu already uses for system accounts or groups; cloud-init would fail or merge them. */
const TAKEN = new Set(["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "nobody", "syslog", "docker", "admin", "sudo", "adm", "ubuntu"]);

export function checkLinuxUser(path: string, key: string, name: string): string {
  if (!LINUX_USER_PATTERN.test(name) || TAKEN.has(name)) {
    invalid({ path, key, value: name, allowed: `expected a Linux user name matching ${LINUX_USER_PATTERN.source} that Ubuntu does not already use (not ${[...TAKEN].join(", ")})` });
  }
  return name;
}
