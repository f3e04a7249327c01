/**
 * Docker image references (`[registry/]repository[:tag][@digest]`), parsed by the grammar of
 * Docker's reference package, so that a typo fails at synth time instead of at `docker pull`.
 */
import { InvalidInput, invalid } from "../errors";

/** The parts of an image reference, as written (no `docker.io` or `library/` added). */
export interface ImageReference {
  /** Registry host with optional port (`ghcr.io`, `localhost:5000`, `[::1]:5000`); absent for Docker Hub. */
  readonly registry?: string;
  /** Slash-separated repository path (`postgres`, `library/postgres`, `owner/app`). */
  readonly repository: string;
  /** Tag; absent means Docker pulls `latest` unless a digest pins the image. */
  readonly tag?: string;
  /** Content digest, `algorithm:hex`. */
  readonly digest?: string;
}

/** Where a reference came from, for the error message. */
export type ReferenceLocation = Pick<InvalidInput, "path" | "key">;

/** Docker limits a name (registry and repository) to this many characters. */
const MAX_NAME_LENGTH = 255;
const TAG = /^[\w][\w.-]{0,127}$/;
/** Digest algorithms Docker accepts, with the length of their hex encoding. */
const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ["sha256", 64],
  ["sha512", 128],
]);
/** Lowercase alphanumerics joined by one `.` or `_`, two `_`, or any run of `-`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]+$/;

/**
 * Splits an image reference into its parts; throws a {@link DockhostInputError} that says what
 * is wrong when the reference does not follow Docker's grammar.
 */
export function parseImageReference(
  ref: string,
  at: ReferenceLocation = { path: "image reference", key: "image" },
): ImageReference {
  const fail = (problem: string): never =>
    invalid({ ...at, value: ref, allowed: `an image reference [registry/]repository[:tag][@digest]; ${problem}` });

  if (ref.length === 0) fail("it is empty");
  const [withoutDigest, digest] = splitOnce(ref, ref.indexOf("@"));
  if (digest !== undefined) checkDigest(digest, fail);
  // A colon after the last slash starts the tag; earlier colons belong to a registry port.
  const [name, tag] = splitOnce(withoutDigest, tagSeparatorIndex(withoutDigest));
  if (tag !== undefined && !TAG.test(tag)) {
    fail(`the tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (name.length > MAX_NAME_LENGTH) fail(`the name is longer than ${MAX_NAME_LENGTH} characters`);

  const components = name.split("/");
  const registry = components.length > 1 && looksLikeRegistry(components[0]) ? components.shift() : undefined;
  if (registry !== undefined) checkRegistry(registry, fail);
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      fail(
        `the repository path component ${JSON.stringify(component)} must be lowercase letters and digits, ` +
          "separated by '.', '_', '__' or dashes",
      );
    }
  }
  return { registry, repository: components.join("/"), tag, digest };
}

function splitOnce(text: string, index: number): [string, string | undefined] {
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

function tagSeparatorIndex(nameAndTag: string): number {
  const colon = nameAndTag.lastIndexOf(":");
  return colon > nameAndTag.lastIndexOf("/") ? colon : -1;
}

/** Docker's rule: a first component with a dot or a port, `localhost`, or capitals is a registry. */
function looksLikeRegistry(component: string): boolean {
  return /[.:]/.test(component) || component === "localhost" || component !== component.toLowerCase();
}

function checkDigest(digest: string, fail: (problem: string) => never): void {
  const [algorithm, hex] = splitOnce(digest, digest.indexOf(":"));
  const length = DIGEST_HEX_LENGTH.get(algorithm);
  if (length === undefined || hex === undefined || !new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) {
    fail(`the digest ${JSON.stringify(digest)} must be sha256:<64 hex digits> or sha512:<128 hex digits>`);
  }
}

function checkRegistry(registry: string, fail: (problem: string) => never): void {
  const portColon = registry.lastIndexOf(":");
  const hasPort = portColon > registry.lastIndexOf("]");
  const [host, port] = hasPort ? splitOnce(registry, portColon) : [registry, undefined];
  const hostOk = IPV6_HOST.test(host) || host.split(".").every((part) => DOMAIN_COMPONENT.test(part));
  if (!hostOk || (port !== undefined && !PORT.test(port))) {
    fail(`the registry ${JSON.stringify(registry)} must be host[:port], the host a DNS name, IPv4 or [IPv6] address`);
  }
}
