/**
 * Host tier: the reference homelab's infra stack deployed for real onto a throwaway Debian host
 * (support/test-hosts.ts) with `terraform apply` (stand-in Proxmox and null providers; the SSH
 * provisioners on), the user-data Terraform renders booted through the real cloud-init, and the
 * real dockerd reading our daemon.json. Tests run in order and share one host.
 *
 * What cloud-init cannot do on a test host (a container, not a VM), and why:
 * - no network configuration: the namespace's address is set from outside (`network: {config:
 *   disabled}`); a DHCP config would make networking.service wait minutes for a lease;
 * - no package downloads: no mirror is reachable, so the root has every package of the user-data
 *   installed and an empty sources list; `package_update`/`package_upgrade`/`packages` run and
 *   find nothing to do;
 * - no QEMU guest agent: there is no virtio-serial port (its unit is masked; `systemctl enable
 *   --now qemu-guest-agent` in runcmd fails, and runcmd goes on);
 * - no disk growth (growpart, resizefs): the root is a directory, not a partition;
 * - the hostname module sets the UTS hostname of the container only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { buildReferenceHomelab, ReferenceHomelab, SETTINGS } from "../../main";
import { DockerHostProps } from "../../constructs/docker-host";
import { importStandinImages } from "../support/standin-images";
import { synthAll, StackJson, testApp } from "../support/synth";
import { evaluateTemplate } from "../support/terraform-template";
import { PlanJson, prepareWorkspace, TerraformError, TerraformWorkspace } from "../support/terraform/harness";
import {
  bootTestHost, hostTier, createTestNetwork, ensureRoot, makeSshKey, must, run, RunResult, startSshAgent, SshAgent, TestHost, TestNetwork, teardownHostTier,
} from "../support/test-hosts";

/** Host number of the VM in the test LAN (vm_ip_start's default, the seed's .10). */
const VM_HOST_NUMBER = 10;
/** A small swap file: it is the whole machine's while the host runs. */
const SWAP_MB = 64;

/** What the host says about its first boot, for failure messages. */
function diagnostics(host: TestHost): string {
  const r = host.exec(["sh", "-c", "cloud-init status --long; cat /run/cloud-init/result.json; grep -E 'WARNING|ERROR|Traceback|failed' /var/log/cloud-init.log | tail -40; tail -30 /var/log/cloud-init-output.log; systemctl --failed --no-legend; systemctl is-active docker ssh"]);
  return r.stdout + r.stderr;
}

hostTier.describe("a dockhost deployed onto a test host", () => {
  let net: TestNetwork;
  let ws: TerraformWorkspace;
  let agent: SshAgent;
  let host: TestHost | undefined;
  let homelab: ReferenceHomelab;
  let stacks: Record<string, StackJson>;
  let publicKey: string;
  let knownHosts: string;
  let rootDir: string;
  let cleanupKeys = (): void => undefined;
  const timings: Record<string, number> = {};
  const infraVars = () => ({ ssh_public_keys: JSON.stringify([publicKey]), proxmox_endpoint: "https://127.0.0.1:8006/", ssh_provisioners_enabled: true });

  /** The reference homelab on the test LAN, Debian packages, small swap; `dockerHost` on top. */
  function synthHomelab(dockerHost: Partial<DockerHostProps> = {}): { homelab: ReferenceHomelab; stacks: Record<string, StackJson>; outdir: string } {
    const h = buildReferenceHomelab(
      testApp(),
      { ...SETTINGS, lan: { ...SETTINGS.lan, cidr: net.cidr } },
      { distribution: "debian", packageSource: "distribution", swapSizeMb: SWAP_MB, knownHostsFile: knownHosts, readinessTimeoutSeconds: 120, ...dockerHost },
    );
    return { homelab: h, stacks: synthAll(h.app as App), outdir: path.join(h.app.outdir, "stacks") };
  }

  /** Puts a re-synthesized infra stack into the workspace (its state stays). */
  function replaceInfra(dockerHost: Partial<DockerHostProps>): ReturnType<typeof synthHomelab> {
    const next = synthHomelab(dockerHost);
    fs.copyFileSync(path.join(next.outdir, "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
    return next;
  }

  beforeAll(async () => {
    let started = Date.now();
    const root = ensureRoot();
    rootDir = root.root;
    timings[root.built ? "debootstrap root (built)" : "debootstrap root (cached)"] = Date.now() - started;
    net = createTestNetwork();
    // The deploying machine's key: in an agent (terraform's ssh inherits SSH_AUTH_SOCK); the
    // known_hosts file in the test's folder, never in root's ~/.ssh.
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-host-keys-"));
    cleanupKeys = () => fs.rmSync(keyDir, { recursive: true, force: true });
    const key = makeSshKey(keyDir);
    publicKey = key.publicKey;
    knownHosts = path.join(keyDir, "dockhost_known_hosts");
    agent = await startSshAgent(keyDir, key.privateKey);
    process.env.SSH_AUTH_SOCK = agent.socket;
    started = Date.now();
    const synthesized = synthHomelab();
    homelab = synthesized.homelab;
    stacks = synthesized.stacks;
    ws = prepareWorkspace(synthesized.outdir, { timeoutMs: 600_000 });
    timings.synth = Date.now() - started;
  }, 20 * 60_000);

  afterAll(() => {
    ws?.cleanup();
    cleanupKeys();
    // The host, the agent, the network: whatever is left, by PID and name.
    expect(teardownHostTier("docker-host", timings, net)).toEqual([]);
  });

  /** The user-data exactly as Terraform renders it for VM 0 (from the plan of the infra stack). */
  async function renderedUserData(): Promise<string> {
    const plan = await ws.plan("dockhost-infra", { vars: infraVars() });
    if (!plan.ok) throw new Error(plan.error);
    const resources = (plan.plan as PlanJson & { planned_values: any }).planned_values.root_module.resources as any[];
    const file = resources.find((r) => r.address === "proxmox_virtual_environment_file.dockhost_user_data[0]");
    return file.values.source_raw[0].data;
  }

  test("terraform apply waits for the host (SSH, cloud-init, docker info) and runs day 2 over SSH", async () => {
    const userData = await renderedUserData();
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData).toContain(publicKey);
    // Apply first, boot a few seconds later: the gate must wait for a host that is not there yet.
    const applyStarted = Date.now();
    const apply = ws.apply("dockhost-infra", { vars: infraVars(), sshToTestHosts: true });
    await new Promise((r) => setTimeout(r, 5000));
    const bootStarted = Date.now();
    host = await bootTestHost(rootDir, net, { name: "dockhost", hostNumber: VM_HOST_NUMBER, userData });
    timings.boot = Date.now() - bootStarted;
    const result = await apply.catch((error) => {
      throw new Error(`${error.message}\n--- on the host:\n${diagnostics(host!)}`);
    });
    timings["terraform apply (gate + day 2)"] = Date.now() - applyStarted;
    expect(result.stdout).toContain(`dockhost: Docker is ready on dockhost@${net.address(VM_HOST_NUMBER)}`);
    expect(result.stdout).toMatch(/null_resource\.docker_host_apply\[0\]: Creation complete/);
    // The gate returned only after cloud-init had finished on the host.
    const finished = JSON.parse(host.sh("cat /run/cloud-init/result.json"));
    expect(finished.v1.errors).toEqual([]);
    const cloudInitDone = Number(host.sh("stat -c %Y /run/cloud-init/result.json").trim()) * 1000;
    expect(cloudInitDone).toBeGreaterThan(bootStarted - 1000);
    expect(cloudInitDone).toBeLessThan(Date.now());
    // Day 2 wrote the host files again (atomically, through *.dockhost-new) and re-ran the setup.
    const daemonJsonChanged = Number(host.sh("stat -c %Z /etc/docker/daemon.json").trim()) * 1000;
    expect(daemonJsonChanged).toBeGreaterThanOrEqual(cloudInitDone - 1000);
  });

  const address = () => net.address(VM_HOST_NUMBER);
  const sshBase = () => ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`];

  test("first boot through the real cloud-init: admin user and key, no password login, daemon.json, swap, timers, stacks folder", () => {
    const h = host!;
    expect(h.sh("id -nG dockhost").trim().split(/\s+/)).toEqual(expect.arrayContaining(["sudo", "docker"]));
    expect(h.sh("cat /home/dockhost/.ssh/authorized_keys")).toContain(publicKey);
    // The server offers public keys only: a password login is refused before any password is asked.
    const password = run("ssh", [...sshBase(), "-o", "PreferredAuthentications=password,keyboard-interactive", `dockhost@${address()}`, "true"]);
    expect(password.code).toBe(255);
    expect(password.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(h.sh("sshd -T")).toMatch(/^passwordauthentication no$/m);
    // No root login: root has none of the keys (disable_root), so the same key is refused.
    const root = run("ssh", [...sshBase(), `root@${address()}`, "echo logged-in"]);
    expect(root.code).toBe(255);
    expect(root.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(root.stdout).not.toContain("logged-in");
    expect(JSON.parse(h.sh("cat /etc/docker/daemon.json"))).toEqual(JSON.parse(hostFile("/etc/docker/daemon.json")));
    // The swap file is on: the host's root is a real filesystem, and nspawn lets @swap through.
    expect(h.sh("cat /proc/swaps")).toMatch(new RegExp(`^/swapfile\\s+file\\s+${SWAP_MB * 1024 - 4}\\s`, "m"));
    expect(h.sh("cat /etc/fstab")).toContain("/swapfile none swap sw 0 0");
    expect(h.sh("systemctl is-enabled docker-prune.timer journal-vacuum.timer")).toBe("enabled\nenabled\n");
    expect(h.sh("systemctl is-active docker-prune.timer journal-vacuum.timer")).toBe("active\nactive\n");
    expect(h.sh("stat -c '%a %U' /opt/docker/stacks").trim()).toBe("755 root");
    // What cloud-init could not do here is listed at the top of this file; nothing else failed.
    expect(JSON.parse(h.sh("cat /run/cloud-init/result.json")).v1.errors).toEqual([]);
    expect(h.sh("cat /var/log/cloud-init-output.log")).toContain("Failed to enable unit: Unit file /etc/systemd/system/qemu-guest-agent.service is masked.");
  });

  function hostFile(file: string, h: ReferenceHomelab = homelab): string {
    return h.dockerHost.hostFiles.find((f) => f.path === file)!.content;
  }

  /** What the engine says about the settings daemon.json carries; throws when it does not answer. */
  function engineSettings(h: TestHost) {
    const info = JSON.parse(h.sh("docker info --format '{{json .}}'"));
    const id = h.sh("docker run -d --rm busybox:stand-in").trim();
    try {
      const inspect = JSON.parse(h.sh(`docker inspect ${id}`))[0];
      return { loggingDriver: info.LoggingDriver, liveRestore: info.LiveRestoreEnabled, pools: info.DefaultAddressPools, logConfig: inspect.HostConfig.LogConfig };
    } finally {
      h.exec(["docker", "rm", "-f", id]);
    }
  }

  test("the real engine runs with our daemon.json: json-file 10m x 3, live-restore, the address pools, metrics on docker0", () => {
    const h = host!;
    importStandinImages(h, [{ tag: "busybox:stand-in", ports: [8080] }], []);
    expect(engineSettings(h)).toEqual({
      loggingDriver: "json-file",
      liveRestore: true,
      pools: [{ Base: "172.30.0.0/16", Size: 24 }],
      logConfig: { Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } },
    });
    const subnet = h.sh("docker network create probe-net >/dev/null && docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' probe-net && docker network rm probe-net >/dev/null").trim();
    expect(subnet).toMatch(/^172\.30\.\d+\.0\/24$/);
    expect(h.sh("ip -4 -o addr show docker0")).toContain("172.30.0.1/24");
    expect(h.sh("busybox wget -qO- http://172.30.0.1:9323/metrics")).toContain("engine_daemon_engine_info");
  });

  /** Everything a setup run may change on the host, as one comparable text. */
  function hostFingerprint(h: TestHost): string {
    return h.sh(
      "systemctl show -p MainPID docker; stat -c '%n %i %s' /swapfile; cat /proc/swaps; md5sum /etc/fstab /etc/docker/daemon.json /var/lib/dockhost/daemon.json.applied /etc/systemd/system/docker-prune.* /etc/systemd/system/journal-vacuum.*; " +
        "stat -c '%n %a %Y' /opt/docker/stacks /var/lib/dockhost; id -nG dockhost; systemctl is-enabled docker-prune.timer journal-vacuum.timer; docker ps -q --no-trunc",
    );
  }

  /** Runs the day-2 script of a synthesized infra stack as Terraform would, over SSH. */
  function runDayTwo(infra: StackJson, transform: (script: string) => string = (x) => x): RunResult {
    const exec = infra.resource.null_resource.docker_host_apply.provisioner[0]["local-exec"];
    const remote = transform(Buffer.from(exec.environment.DOCKHOST_APPLY_SCRIPT, "base64").toString());
    return run("/bin/sh", ["-c", evaluateTemplate(exec.command, {})], {
      env: { ...process.env, DOCKHOST_TARGET: `dockhost@${address()}`, DOCKHOST_APPLY_SCRIPT: Buffer.from(remote).toString("base64") },
    });
  }

  test("day 2: a changed setting is shipped by terraform apply; a container started before keeps running across the restart", async () => {
    const h = host!;
    const before = JSON.parse(h.sh("docker run -d --name survivor busybox:stand-in >/dev/null && docker inspect survivor"))[0];
    const dockerdBefore = h.sh("systemctl show -p MainPID --value docker").trim();
    const next = replaceInfra({ logMaxSize: "20m" });
    const started = Date.now();
    const result = await ws.apply("dockhost-infra", { vars: infraVars(), sshToTestHosts: true });
    timings["terraform apply (day 2 change)"] = Date.now() - started;
    expect(result.stdout).toMatch(/null_resource\.docker_host_apply\[0\]: Creation complete/);
    expect(result.stdout).not.toMatch(/docker_ready\[0\]: Creating/);
    expect(JSON.parse(h.sh("cat /etc/docker/daemon.json"))).toEqual(JSON.parse(hostFile("/etc/docker/daemon.json", next.homelab)));
    expect(h.sh("systemctl show -p MainPID --value docker").trim()).not.toBe(dockerdBefore);
    const after = JSON.parse(h.sh("docker inspect survivor"))[0];
    expect(after.State).toMatchObject({ Running: true, Pid: before.State.Pid, StartedAt: before.State.StartedAt });
    expect(engineSettings(h).logConfig.Config["max-size"]).toBe("20m");
    homelab = next.homelab;
    stacks = next.stacks;
  });

  test("day 2 is idempotent: a second run changes nothing (and the check catches a step that is not)", () => {
    const h = host!;
    const first = hostFingerprint(h);
    const again = runDayTwo(stacks["dockhost-infra"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(hostFingerprint(h)).toBe(first);
    // Negative: a setup step that appends on every run is caught by the same comparison.
    const fstab = h.sh("cat /etc/fstab");
    try {
      const broken = runDayTwo(stacks["dockhost-infra"], (script) => script.replace(/\n(\/usr\/local\/sbin\/dockhost-host-setup)\s*$/, "\necho '# appended again' >> /etc/fstab\n$1\n"));
      expect(broken.code).toBe(0);
      expect(hostFingerprint(h)).not.toBe(first);
    } finally {
      h.sh("cat > /etc/fstab", { input: fstab });
    }
    expect(hostFingerprint(h)).toBe(first);
  });

  test("a wrong daemon.json key is refused before the engine restarts; the engine and its containers keep running", () => {
    const h = host!;
    const good = h.sh("cat /etc/docker/daemon.json");
    const dockerd = h.sh("systemctl show -p MainPID --value docker").trim();
    const wrong = Buffer.from(JSON.stringify({ ...JSON.parse(good), "live-restores": true })).toString("base64");
    const result = runDayTwo(stacks["dockhost-infra"], (script) => script.replace(/^(write_file \/etc\/docker\/daemon\.json 0644 )\S+$/m, `$1${wrong}`));
    expect(result.code).not.toBe(0);
    // Docker 20.10 has no `dockerd --validate`: the throwaway daemon's own error is shown.
    expect(result.stderr).toContain("the following directives don't match any configuration option: live-restores");
    expect(result.stderr).toContain("dockhost: dockerd refuses the new /etc/docker/daemon.json (above); the engine keeps running with the previous one");
    expect(h.sh("systemctl show -p MainPID --value docker").trim()).toBe(dockerd);
    expect(h.sh("cat /etc/docker/daemon.json")).toBe(good);
    expect(h.sh("docker inspect -f '{{.State.Running}}' survivor").trim()).toBe("true");
    expect(engineSettings(h).liveRestore).toBe(true);
    // No throwaway daemon is left behind.
    expect(h.sh("pgrep -c dockerd || true").trim()).toBe("1");
  });

  test("SSH trust: the Docker provider's connection string and options reach the engine through the docker CLI", () => {
    const provider = stacks["dockhost-apps"].provider.docker[0];
    const result = dockerViaProvider(provider, ["version", "--format", "{{.Server.Version}}"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toMatch(/^20\.10\./);
  });

  /**
   * The docker CLI with the provider's `host` (the VM address filled in) and `ssh_opts`: both use
   * docker/cli's connhelper, which runs `ssh` from PATH; a wrapper first on PATH adds the options
   * as kreuzwerker passes them.
   */
  function dockerViaProvider(provider: { host: string; ssh_opts: string[] }, args: readonly string[]): RunResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-docker-cli-"));
    try {
      fs.mkdirSync(path.join(dir, "bin"));
      const quoted = provider.ssh_opts.map((o) => `'${o.replace(/'/g, `'\\''`)}'`).join(" ");
      fs.writeFileSync(path.join(dir, "bin", "ssh"), `#!/bin/sh\nexec /usr/bin/ssh ${quoted} "$@"\n`, { mode: 0o755 });
      const hostUrl = provider.host.replace(/\$\{.*\}/, address());
      return run("docker", ["-H", hostUrl, ...args], { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, HOME: dir, DOCKER_CONFIG: path.join(dir, "docker") }, timeoutMs: 60_000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("blocked SSH: the readiness gate gives up after its bound, naming the host and the last error", () => {
    const h = host!;
    const gate = stacks["dockhost-infra"].resource.null_resource.docker_ready.provisioner[0]["local-exec"];
    h.sh("systemctl stop ssh.service");
    try {
      const result = run("/bin/sh", ["-c", evaluateTemplate(gate.command, {})], { env: { ...process.env, DOCKHOST_TARGET: `dockhost@${address()}`, DOCKHOST_READY_TIMEOUT: "6" } });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`dockhost: dockhost@${address()}: waiting for SSH: attempt 1,`);
      expect(result.stderr).toMatch(new RegExp(`dockhost: dockhost@${address().replace(/\./g, "\\.")}: gave up waiting for SSH after \\d+s \\(DOCKHOST_READY_TIMEOUT=6\\); last error: .*Connection refused`));
      expect(dockerViaProvider(stacks["dockhost-apps"].provider.docker[0], ["version"]).stderr).toMatch(/Connection refused/);
    } finally {
      h.sh("systemctl start ssh.service");
    }
  });

  test("a changed host key: the next apply fails with ssh's warning; the README's recovery step lets it through", async () => {
    const h = host!;
    h.sh("rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh.service");
    replaceInfra({ logMaxSize: "30m" });
    const failed = await ws.apply("dockhost-infra", { vars: infraVars(), sshToTestHosts: true }).then(
      () => undefined,
      (error: TerraformError) => error,
    );
    expect(failed).toBeInstanceOf(TerraformError);
    expect(failed!.stderr).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
    expect(failed!.stderr).toContain("Host key verification failed.");
    expect(dockerViaProvider(stacks["dockhost-apps"].provider.docker[0], ["version"]).code).not.toBe(0);
    // The README's step, with this test's address and known_hosts file.
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const step = /`(ssh-keygen -R <address> -f ~\/\.ssh\/dockhost_known_hosts)`/.exec(readme);
    expect(step).not.toBeNull();
    const [cmd, ...args] = step![1].replace("<address>", address()).replace("~/.ssh/dockhost_known_hosts", knownHosts).split(" ");
    must(cmd, args);
    const result = await ws.apply("dockhost-infra", { vars: infraVars(), sshToTestHosts: true });
    expect(result.stdout).toMatch(/null_resource\.docker_host_apply\[0\]: Creation complete/);
    expect(h.sh("cat /etc/docker/daemon.json")).toContain('"max-size": "30m"');
  });
});
