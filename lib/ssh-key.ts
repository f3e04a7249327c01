import { invalid } from "./errors";

/** Key types OpenSSH accepts in authorized_keys (DSA is gone from OpenSSH 9.8). */
const KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];

/**
 * `type base64 [comment]`, as an RE2-compatible pattern so that Terraform's `regex()` can apply
 * the same test to the `ssh_public_keys` variable.
 */
export const SSH_PUBLIC_KEY_PATTERN = `^(${KEY_TYPES.map((t) => t.replace(/\./g, "\\.")).join("|")}) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$`;
const keyShape = new RegExp(SSH_PUBLIC_KEY_PATTERN);

/**
 * True when `key` is an OpenSSH public key line whose base64 blob really encodes a key of the
 * announced type (the blob starts with the type name), which catches truncated or pasted-wrong keys.
 */
export function isSshPublicKey(key: string): boolean {
  const match = keyShape.exec(key);
  if (!match) return false;
  const blob = Buffer.from(key.split(" ")[1], "base64");
  if (blob.length < 4) return false;
  const nameLength = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + nameLength).toString("latin1") === match[1];
}

/** Throws unless `keys` is a non-empty list of valid public keys. */
export function checkSshPublicKeys(path: string, key: string, keys: readonly string[]): void {
  if (keys.length === 0) invalid({ path, key, value: keys, allowed: "expected at least one SSH public key" });
  keys.forEach((k, i) => {
    if (!isSshPublicKey(k)) {
      invalid({
        path,
        key: `${key}[${i}]`,
        value: k,
        allowed: `expected an OpenSSH public key line "<type> <base64> [comment]" with type one of ${KEY_TYPES.join(", ")}`,
      });
    }
  });
}
