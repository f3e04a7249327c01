// What some tests need from the machine (a validator on PATH, terraform, ...), and what happens
// without it. Locally such tests skip, and the summary reporter prints ONE line naming what is
// missing and how to install it; with DOCKHOST_REQUIRE_TOOLS=1 (set by .ci/run) they fail
// instead, so CI never skips. A later tier (root, real packages) adds an entry to REQUIREMENTS.
// Plain CommonJS: the reporter (run by Jest without a transform) reads the same table.
"use strict";
const fs = require("fs");
const path = require("path");

/** The switch that turns a missing requirement from a skip into a failure. */
const STRICT_ENV = "DOCKHOST_REQUIRE_TOOLS";

/** True when `command` is an executable file in a folder of PATH. */
function onPath(command) {
  return (process.env.PATH || "").split(path.delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      const file = path.join(dir, command);
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** True when this process runs as root. */
function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A command from a Debian package: installed with one `apt-get install` line for all of them. */
const debianTool = (command, debianPackage) => ({ available: () => onPath(command), debianPackage });

/**
 * Everything a test may declare with `needs(...)`: how to tell it is there, and how to get it
 * (a Debian package, collected into one apt-get command, or a free-text hint).
 */
const REQUIREMENTS = {
  "cloud-init": debianTool("cloud-init", "cloud-init"),
  "docker-compose": debianTool("docker-compose", "docker-compose"),
  promtool: debianTool("promtool", "prometheus"),
  python3: debianTool("python3", "python3"),
  shellcheck: debianTool("shellcheck", "shellcheck"),
  yamllint: debianTool("yamllint", "yamllint"),
  ssh: debianTool("ssh", "openssh-client"),
  "ssh-keygen": debianTool("ssh-keygen", "openssh-client"),
  gpg: debianTool("gpg", "gpg"),
  "apt-get": debianTool("apt-get", "apt"),
  unshare: debianTool("unshare", "util-linux"),
  // A private mount namespace (unshare --mount) needs root, or sudo without a password (CI runners).
  root: { available: () => isRoot() || require("child_process").spawnSync("sudo", ["-n", "true"]).status === 0, hint: "root or passwordless sudo (the host tests mount tmpfs over /etc/ssh, /etc/docker, ... in a private mount namespace only)" },
  "docker-registry": debianTool("docker-registry", "docker-registry"),
  openssl: debianTool("openssl", "openssl"),
  terraform: { available: () => onPath("terraform"), hint: "terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)" },
  // The host tier (__tests__/hosts, `npm run test:hosts`): throwaway hosts need root and these.
  root: { available: () => process.getuid !== undefined && process.getuid() === 0, hint: "root (network namespaces, bridges, systemd-nspawn): sudo npm run test:hosts" },
  debootstrap: debianTool("debootstrap", "debootstrap"),
  "systemd-nspawn": debianTool("systemd-nspawn", "systemd-container"),
  ip: debianTool("ip", "iproute2"),
  iptables: debianTool("iptables", "iptables"),
};

function requirement(name) {
  const found = REQUIREMENTS[name];
  if (!found) throw new Error(`unknown requirement ${name} (known: ${Object.keys(REQUIREMENTS).join(", ")})`);
  return found;
}

/** The names among `names` that this machine lacks. */
function missing(names) {
  return names.filter((name) => !requirement(name).available());
}

/** How to install `names`: one apt-get line for the Debian packages, then any other hints. */
function installHint(names) {
  const packages = [...new Set(names.map((name) => requirement(name).debianPackage).filter(Boolean))];
  const hints = names.map((name) => requirement(name).hint).filter(Boolean);
  return [...(packages.length > 0 ? [`sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`] : []), ...hints].join("; ");
}

/** True when missing requirements must fail the tests that need them. */
function strict(env = process.env) {
  return env[STRICT_ENV] !== undefined && env[STRICT_ENV] !== "" && env[STRICT_ENV] !== "0";
}

/** The tag a test's title carries, so the reporter finds the tests that skipped for this reason. */
function tag(names) {
  return `[needs ${names.join(", ")}]`;
}

const TAG = /\[needs ([^\]]+)\]/g;

/** Requirements named in a test title's tags. */
function namesInTitle(title) {
  return [...title.matchAll(TAG)].flatMap((m) => m[1].split(", "));
}

/**
 * Jest's `test`/`it`/`describe` for tests that need `names`: as they are when everything is
 * there; otherwise skipped, or, in strict mode, one failing test that says what to install.
 */
function needs(...names) {
  names.forEach(requirement);
  const label = ` ${tag(names)}`;
  const absent = missing(names);
  const failure = () => {
    throw new Error(`${absent.join(", ")} not installed and ${STRICT_ENV} is set, so these tests may not skip. Install: ${installHint(absent)}`);
  };
  const wrapTest = (base) => (title, fn, timeout) => {
    if (absent.length === 0) return base(title + label, fn, timeout);
    return strict() ? base(title + label, failure) : base.skip(title + label, fn, timeout);
  };
  const wrappedDescribe = (title, fn) => {
    if (absent.length === 0) return describe(title + label, fn);
    return strict() ? describe(title + label, () => test("has what it needs", failure)) : describe.skip(title + label, fn);
  };
  return { test: wrapTest(test), it: wrapTest(it), describe: wrappedDescribe, available: absent.length === 0 };
}

/**
 * The one summary line for a finished run, from the skipped tests' titles (full names), or
 * undefined when no test skipped for a missing requirement.
 */
function skipSummary(skippedTitles) {
  const absent = missing([...new Set(skippedTitles.flatMap(namesInTitle))].filter((name) => name in REQUIREMENTS));
  // Only tests that skipped for a missing requirement (`jest -t` skips others too).
  const count = skippedTitles.filter((title) => namesInTitle(title).some((name) => absent.includes(name))).length;
  if (count === 0) return undefined;
  return `!!! ${count} tests SKIPPED: not installed: ${absent.join(", ")}. Install: ${installHint(absent)} (CI sets ${STRICT_ENV}=1: there they fail)`;
}

module.exports = { isRoot, REQUIREMENTS, STRICT_ENV, installHint, missing, needs, skipSummary, strict };
