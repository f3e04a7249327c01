/**
 * Throwaway Debian hosts for the host tier (`npm run test:hosts`): a debootstrap root booted with
 * systemd under systemd-nspawn, in a network namespace of its own on a bridge with a private /24
 * that this module picks and checks is unused. The hosts have sshd, dockerd and cloud-init, and
 * nothing else can reach them: no default route, and the bridge forwards only between its ports.
 *
 * How (see "Real test hosts" in the README for the facts behind each step):
 * - one root per package list, built by debootstrap once and cached (DOCKHOST_TEST_HOST_CACHE,
 *   default /var/cache/dockhost-test-hosts); each host boots a copy of it (`cp -a --reflink=auto`:
 *   a real filesystem, so that swapon works on the swap file, which it refuses on overlayfs);
 * - daemons in the namespace are entered with `nsenter`, never `ip netns exec` (which remounts /sys,
 *   and dockerd then finds no cgroups);
 * - everything is undone synchronously, by the PIDs and names this module made: a Jest worker that
 *   dies still runs the `exit` handler.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Address4 } from "ip-address";
import { needs } from "./requirements";

/** Debian release of the test hosts (the release of the machines the tier runs on). */
const SUITE = "bookworm";
/**
 * Packages of the cached root. DockhostVm's and DockerHost's Debian packages must all be here:
 * the hosts have no route to a mirror, so cloud-init's package step only finds them installed.
 * python3-cffi-backend: without it debootstrap fails while configuring python3-cryptography.
 */
const ROOT_PACKAGES = [
  "systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "iproute2", "iptables", "procps", "netbase",
  "ca-certificates", "python3", "python3-cffi-backend", "cloud-init", "docker.io", "qemu-guest-agent",
  "unattended-upgrades", "busybox-static", "docker-compose",
];
/** Changes to what `finishRoot` writes bump this, so a stale cache is rebuilt. */
const ROOT_LAYOUT_VERSION = 1;
const CACHE_DIR = process.env.DOCKHOST_TEST_HOST_CACHE ?? "/var/cache/dockhost-test-hosts";
/** What the host tier needs from the machine (see requirements.js): tests use `hostTier.describe`. */
export const hostTier = needs("root", "debootstrap", "systemd-nspawn", "ip", "iptables", "ssh", "terraform");

// ---------------------------------------------------------------- commands

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never throws for a non-zero exit (the result says). */
export function run(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(command, args, { input: options.input, timeout: options.timeoutMs ?? 120_000, encoding: "utf8", env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${command} ${args.join(" ")}: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command and returns its stdout; throws with its stderr when it fails. */
export function must(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const r = run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code}:\n${(r.stderr || r.stdout).trim().slice(-4000)}`);
  return r.stdout;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------- teardown registry

/** Runs every step, newest first, even when some fail; then throws the failures. */
function undoAll(steps: Array<() => void>): void {
  const failures: string[] = [];
  while (steps.length > 0) {
    try {
      steps.pop()!();
    } catch (error) {
      failures.push(String(error));
    }
  }
  if (failures.length > 0) throw new Error(`teardown failed:\n${failures.join("\n")}`);
}

/** Undo steps, newest first; also run at process exit if a test file did not get to its afterAll. */
const undoSteps: Array<{ label: string; undo: () => void }> = [];
function onUndo(label: string, undo: () => void): () => void {
  const step = { label, undo };
  undoSteps.push(step);
  return () => {
    const i = undoSteps.indexOf(step);
    if (i < 0) return;
    undoSteps.splice(i, 1);
    undo();
  };
}
/**
 * Undoes everything this module made that is still there (hosts, networks, agents), newest first.
 * Test files call it in afterAll; it also runs at process exit.
 */
export function teardownTestHosts(): void {
  undoAll(undoSteps.splice(0).map((step) => step.undo));
}
process.on("exit", () => {
  try {
    teardownTestHosts();
  } catch (error) {
    // eslint-disable-next-line no-console
    console.error(`test host teardown at exit: ${error}`);
  }
});

// ---------------------------------------------------------------- root

/** The Debian mirror apt on this machine is configured with (debootstrap uses the same). */
function debianMirror(): string {
  if (process.env.DOCKHOST_DEBIAN_MIRROR) return process.env.DOCKHOST_DEBIAN_MIRROR;
  const files = ["/etc/apt/sources.list", ...listDir("/etc/apt/sources.list.d").map((f) => path.join("/etc/apt/sources.list.d", f))];
  for (const file of files) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text);
    for (const match of [deb822, oneLine]) if (match && !/security/.test(match[1])) return match[1];
  }
  return "http://deb.debian.org/debian";
}

function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/**
 * The cached root for the current package list, built when missing (about 2 minutes, ~800 MB).
 * Returns its path and whether this call built it (CI has no cache: it always builds).
 */
export function ensureRoot(): { root: string; built: boolean; ms: number } {
  const key = createHash("sha256").update(JSON.stringify({ SUITE, ROOT_PACKAGES, ROOT_LAYOUT_VERSION })).digest("hex").slice(0, 12);
  const root = path.join(CACHE_DIR, `${SUITE}-${key}`);
  const started = Date.now();
  if (fs.existsSync(path.join(root, ".dockhost-root-complete"))) return { root, built: false, ms: 0 };
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const building = `${root}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  const removeBuilding = onUndo(`remove ${building}`, () => fs.rmSync(building, { recursive: true, force: true }));
  must("debootstrap", ["--variant=minbase", `--include=${ROOT_PACKAGES.join(",")}`, SUITE, building, debianMirror()], { timeoutMs: 15 * 60_000 });
  finishRoot(building);
  fs.writeFileSync(path.join(building, ".dockhost-root-complete"), `${new Date().toISOString()}\n`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.renameSync(building, root);
  removeBuilding();
  return { root, built: true, ms: Date.now() - started };
}

/** What every test host shares, on top of debootstrap's root. */
function finishRoot(root: string): void {
  const write = (file: string, content: string, mode = 0o644): void => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content, { mode });
  };
  // cloud-init: the NoCloud seed only (no probing of cloud metadata addresses); the namespace's
  // address is set from outside, so cloud-init must not write a DHCP config (networking.service
  // would then wait ~5 minutes for a lease); minbase has no locales but C.UTF-8.
  write("etc/cloud/cloud.cfg.d/90-dockhost-test-host.cfg", [
    "datasource_list: [NoCloud, None]",
    "network: {config: disabled}",
    "locale: C.UTF-8",
    // No mirror is reachable: keep the empty sources list below, so `apt-get update` and the
    // install of already-installed packages succeed offline.
    "apt: {preserve_sources_list: true}",
    "",
  ].join("\n"));
  write("etc/apt/sources.list", "# test host: no mirror is reachable (see __tests__/support/test-hosts.ts)\n");
  // No virtio-serial port outside a VM: the guest agent's device never appears.
  for (const unit of ["networking.service", "qemu-guest-agent.service"]) {
    fs.rmSync(path.join(root, "etc/systemd/system", unit), { force: true });
    fs.symlinkSync("/dev/null", path.join(root, "etc/systemd/system", unit));
  }
  // systemd-nspawn mounts the cgroup v1 controllers read-only; `docker run` needs them writable
  // (a plain `remount,rw` changes nothing, a bind remount does).
  write("etc/systemd/system/docker.service.d/10-dockhost-test-host.conf", [
    "[Service]",
    'ExecStartPre=/bin/sh -c "for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw $d; done"',
    "",
  ].join("\n"));
  // Storage driver and cgroup parent as flags, so the daemon.json under test stays the product's.
  write("etc/default/docker", 'DOCKER_OPTS="--storage-driver vfs --cgroup-parent /dockhost-test-host"\n');
  // debootstrap copies this machine's resolv.conf: the hosts have no DNS.
  write("etc/resolv.conf", "");
  write("etc/machine-id", "");
}

// ---------------------------------------------------------------- network

/** A bridge with a private /24 of its own, forwarding only between its own ports. */
export interface TestNetwork {
  readonly bridge: string;
  /** e.g. 10.213.7.0/24 */
  readonly cidr: string;
  /** The bridge's address (.1): the LAN gateway and the deploying machine, seen from the hosts. */
  readonly gateway: string;
  /** Address of host number `n` of the /24. */
  address(n: number): string;
  remove(): void;
}

/** Every IPv4 network this machine already routes or holds an address in. */
function networksInUse(): Address4[] {
  const text = must("ip", ["-4", "-o", "addr", "show"]) + must("ip", ["-4", "route", "show", "table", "all"]);
  const found: Address4[] = [];
  for (const match of text.matchAll(/\b(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\b/g)) {
    try {
      found.push(new Address4(match[1].includes("/") ? match[1] : `${match[1]}/32`));
    } catch {
      // not an address
    }
  }
  return found;
}

/** A random 10.x.y.0/24 that overlaps nothing this machine routes or holds. */
export function pickUnusedSubnet(inUse: readonly Address4[] = networksInUse()): string {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const [x, y] = randomBytes(2);
    const candidate = new Address4(`10.${100 + (x % 150)}.${y}.0/24`);
    const overlaps = inUse.some((used) => candidate.isInSubnet(used) || used.isInSubnet(candidate));
    if (!overlaps) return candidate.address;
  }
  throw new Error("no unused 10.x.y.0/24 found for the test network");
}

export function createTestNetwork(): TestNetwork {
  const cidr = pickUnusedSubnet();
  const prefix = cidr.split(".").slice(0, 3).join(".");
  const bridge = `dhtb${randomBytes(3).toString("hex")}`;
  const gateway = `${prefix}.1`;
  const rules = [
    // A dockerd on this machine sets the FORWARD policy to DROP: allow the bridge's own traffic,
    ["FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"],
    // and nothing from the bridge to any other interface, whatever the machine's policy.
    ["FORWARD", "-i", bridge, "!", "-o", bridge, "-j", "DROP"],
  ];
  const undo: Array<() => void> = [];
  const removeAll = onUndo(`network ${bridge}`, () => undoAll(undo));
  must("ip", ["link", "add", bridge, "type", "bridge"]);
  undo.push(() => void run("ip", ["link", "del", bridge]));
  must("ip", ["addr", "add", `${gateway}/24`, "dev", bridge]);
  must("ip", ["link", "set", bridge, "up"]);
  for (const rule of rules) {
    must("iptables", ["-I", ...rule]);
    undo.push(() => void run("iptables", ["-D", ...rule]));
  }
  return {
    bridge,
    cidr,
    gateway,
    address: (n) => `${prefix}.${n}`,
    remove: removeAll,
  };
}

/**
 * The end of a host-tier file: prints its phase timings, undoes every host, namespace and rule it
 * made, and returns what is left of its network (the caller asserts it is nothing).
 */
export function teardownHostTier(file: string, timings: Readonly<Record<string, number>>, net: TestNetwork | undefined): string[] {
  // eslint-disable-next-line no-console
  console.log(`${file} host tier timings (ms): ${JSON.stringify(timings)}`);
  teardownTestHosts();
  return net ? networkLeftovers(net) : [];
}

/** The FORWARD rules and bridge a network added, as this machine shows them now (for leak checks). */
export function networkLeftovers(net: TestNetwork): string[] {
  const left: string[] = [];
  if (run("ip", ["link", "show", net.bridge]).code === 0) left.push(`bridge ${net.bridge}`);
  for (const line of must("iptables", ["-S", "FORWARD"]).split("\n")) if (line.includes(net.bridge)) left.push(`iptables ${line}`);
  return left;
}

// ---------------------------------------------------------------- hosts

export interface TestHostOptions {
  /** Short name: machine name, network namespace and hostname before cloud-init sets its own. */
  readonly name: string;
  /** Host number in the network's /24. */
  readonly hostNumber: number;
  /** NoCloud user-data; none: cloud-init finds no seed and runs nothing of ours. */
  readonly userData?: string;
  /** NoCloud instance id. @default a fresh random id */
  readonly instanceId?: string;
  /** Files written into the host's copy of the root before it boots, by path under the root. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface TestHost {
  readonly name: string;
  readonly address: string;
  /** The host's root on this machine (its files, readable from outside). */
  readonly root: string;
  readonly netns: string;
  /** PID of systemd-nspawn, started by us. */
  readonly nspawnPid: number;
  /** PID of the host's systemd (nspawn's child). */
  readonly leaderPid: number;
  /** A command in every namespace of the host, as root. */
  exec(args: readonly string[], options?: { input?: string; timeoutMs?: number }): RunResult;
  /** `sh -c script` in the host; throws when it fails. */
  sh(script: string, options?: { input?: string; timeoutMs?: number }): string;
  /** Boot log (nspawn's console). */
  console(): string;
  /** Poweroff, wait, and remove the copy, the namespace and its veth. */
  stop(): void;
}

export const BOOT_TIMEOUT_MS = 60_000;

/** Boots a copy of `root` as a host on `net`; resolves when its systemd is up. */
export async function bootTestHost(baseRoot: string, net: TestNetwork, options: TestHostOptions): Promise<TestHost> {
  // Not under synth.ts's temp root: that one is removed at exit before this module's teardown runs.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dockhost-host-${options.name}-`));
  const root = path.join(dir, "root");
  const netns = `${options.name}-${randomBytes(2).toString("hex")}`;
  const address = net.address(options.hostNumber);
  const undo: Array<() => void> = [];
  let leaderPid = 0;
  const removeAll = onUndo(`host ${options.name}`, () => undoAll(undo));
  undo.push(() => fs.rmSync(dir, { recursive: true, force: true }));

  must("cp", ["-a", "--reflink=auto", baseRoot, root], { timeoutMs: 300_000 });
  const put = (file: string, content: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  };
  put("etc/hostname", `${options.name}\n`);
  for (const [file, content] of Object.entries(options.files ?? {})) put(file, content);
  if (options.userData !== undefined) {
    put("var/lib/cloud/seed/nocloud/user-data", options.userData);
    put("var/lib/cloud/seed/nocloud/meta-data", `instance-id: ${options.instanceId ?? `i-${randomBytes(6).toString("hex")}`}\nlocal-hostname: ${options.name}\n`);
  }

  // Network namespace: a veth pair, one end on the bridge, the other the host's eth0. No default
  // route: the host reaches its /24 and nothing else.
  must("ip", ["netns", "add", netns]);
  undo.push(() => void run("ip", ["netns", "del", netns]));
  const veth = `dhv${randomBytes(3).toString("hex")}`;
  must("ip", ["link", "add", veth, "type", "veth", "peer", "name", `${veth}p`]);
  undo.push(() => void run("ip", ["link", "del", veth])); // gone with the namespace already, usually
  must("ip", ["link", "set", veth, "master", net.bridge, "up"]);
  must("ip", ["link", "set", `${veth}p`, "netns", netns]);
  must("ip", ["-n", netns, "link", "set", `${veth}p`, "name", "eth0"]);
  must("ip", ["-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
  must("ip", ["-n", netns, "link", "set", "eth0", "up"]);
  must("ip", ["-n", netns, "link", "set", "lo", "up"]);
  // nspawn mounts /proc/sys read-only and dockerd refuses to start when it cannot enable
  // forwarding: enable it (for this namespace only) from outside.
  must("nsenter", [`--net=/var/run/netns/${netns}`, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);

  // Boot. --register=no --keep-unit: PID 1 of this machine is not systemd (no machined to register
  // with). @keyring and bpf: dockerd and runc need them; @swap: the swap file (nspawn filters swapon). The console goes to a log file.
  const logFile = path.join(dir, "console.log");
  const log = fs.openSync(logFile, "a");
  const nspawn = spawn(
    "systemd-nspawn",
    ["-D", root, "-M", options.name, "-b", "--register=no", "--keep-unit", `--network-namespace-path=/var/run/netns/${netns}`, "--capability=all", "--system-call-filter=@keyring bpf @swap", "--console=read-only"],
    { stdio: ["ignore", log, log], detached: true },
  );
  fs.closeSync(log);
  nspawn.unref();
  const nspawnPid = nspawn.pid!;
  const exec = (args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): RunResult =>
    run("nsenter", ["-t", String(leaderPid), "-a", ...args], opts);
  let exited = false;
  nspawn.on("exit", () => (exited = true));
  undo.push(() => {
    // Poweroff from inside, then wait for nspawn; SIGKILL to nspawn's PID as the last resort.
    if (leaderPid && alive(nspawnPid)) run("nsenter", ["-t", String(leaderPid), "-a", "swapoff", "-a"]);
    swapOffUnder(root);
    if (exited || !alive(nspawnPid)) return;
    if (leaderPid) run("nsenter", ["-t", String(leaderPid), "-a", "systemctl", "poweroff"], { timeoutMs: 20_000 });
    const deadline = Date.now() + 30_000;
    while (alive(nspawnPid) && Date.now() < deadline) spawnSync("sleep", ["0.2"]);
    if (alive(nspawnPid)) process.kill(nspawnPid, "SIGKILL");
    while (alive(nspawnPid)) spawnSync("sleep", ["0.1"]);
    swapOffUnder(root);
  });

  try {
    // nspawn forks an outer child first, which forks the container's PID 1 in a new PID namespace.
    const ownPidNs = fs.readlinkSync("/proc/self/ns/pid");
    leaderPid = await waitFor(`${options.name}: the container's PID 1`, BOOT_TIMEOUT_MS, () => {
      if (exited) throw new Error("systemd-nspawn exited during boot");
      const outer = readFileOr(`/proc/${nspawnPid}/task/${nspawnPid}/children`).trim().split(/\s+/).filter(Boolean);
      const candidates = [...outer, ...outer.flatMap((pid) => readFileOr(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean))];
      const pid1 = candidates.find((pid) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/ns/pid`) !== ownPidNs;
        } catch {
          return false;
        }
      });
      return pid1 ? Number(pid1) : undefined;
    }, 100);
    await waitFor(`${options.name}: systemd to start its jobs`, BOOT_TIMEOUT_MS, () => {
      if (exited) throw new Error("systemd-nspawn exited during boot");
      return exec(["test", "-S", "/run/systemd/private"]).code === 0 && exec(["systemctl", "is-system-running"]).stdout.trim() !== "";
    }, 200);
  } catch (error) {
    const bootLog = readFileOr(logFile).slice(-3000);
    removeAll();
    throw new Error(`${(error as Error).message}\nconsole of ${options.name}:\n${bootLog}`);
  }

  return {
    name: options.name,
    address,
    root,
    netns,
    nspawnPid,
    leaderPid,
    exec,
    sh(script, opts = {}) {
      const r = exec(["sh", "-c", script], opts);
      if (r.code !== 0) throw new Error(`on ${options.name}: ${script}\nexited with ${r.code}:\n${(r.stderr + r.stdout).trim().slice(-4000)}`);
      return r.stdout;
    },
    console: () => readFileOr(logFile),
    stop: removeAll,
  };
}

function readFileOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** True while `pid` runs (a zombie that Node has not reaped yet counts as gone). */
function alive(pid: number): boolean {
  const stat = readFileOr(`/proc/${pid}/stat`);
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/**
 * Swap is the whole machine's: a swap file of a host must not outlive it. /proc/swaps names it as
 * the host sees it (`/swapfile`), so each entry is tried under the host's root.
 */
function swapOffUnder(root: string): void {
  for (const line of readFileOr("/proc/swaps").split("\n").slice(1)) {
    const file = line.split(/\s+/)[0];
    if (file && fs.existsSync(path.join(root, file))) run("swapoff", [path.join(root, file)]);
  }
}

// ---------------------------------------------------------------- ssh

/** A fresh ed25519 key pair in `dir` (the private key never leaves the test's temp folder). */
export function makeSshKey(dir: string, name = "id_ed25519"): { privateKey: string; publicKey: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKey = path.join(dir, name);
  must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dockhost-test-host", "-f", privateKey]);
  return { privateKey, publicKey: fs.readFileSync(`${privateKey}.pub`, "utf8").trim() };
}

export interface SshAgent {
  /** SSH_AUTH_SOCK of the agent. */
  readonly socket: string;
  stop(): void;
}

/**
 * An ssh-agent holding `privateKey`, for the stacks' own `ssh` commands: ssh finds its default keys
 * and `~` in the passwd entry's home, not in $HOME, so a test cannot hand it a key any other way
 * without writing into root's ~/.ssh.
 */
export async function startSshAgent(dir: string, privateKey: string): Promise<SshAgent> {
  const socket = path.join(dir, "agent.sock");
  const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  const pid = agent.pid!;
  agent.unref();
  const stop = onUndo(`ssh-agent ${pid}`, () => {
    if (alive(pid)) process.kill(pid, "SIGTERM");
  });
  await waitFor("ssh-agent's socket", 10_000, () => fs.existsSync(socket), 50);
  must("ssh-add", ["-q", privateKey], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  return { socket, stop };
}
