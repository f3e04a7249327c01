import { spawnSync } from "child_process";
import * as fs from "fs";
import { createServer } from "net";
import * as path from "path";
import { parse } from "yaml";
import { DockerHost, DockerHostProps } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { FRESH_CLONE_KEY_RESET, GUEST_AGENT_INSTALL } from "../lib/first-boot";
import { DOCKER_APT_KEY_FINGERPRINT, DOCKER_PREFERENCES_PATH, DOCKER_UPGRADES_PATH } from "../lib/docker-apt";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { buildReferenceHomelab } from "../main";
import { StackJson, synthAll, synthStack, tempDir, testApp, TEST_SSH_KEY } from "./support/synth";
import { evaluateTemplate } from "./support/terraform-template";
import { cloudInitSchema, shellcheck } from "./support/validators";
import { isRoot, needs } from "./support/requirements";

const SAMPLE_VALUES = {
  "jsonencode(var.ssh_public_keys)": [TEST_SSH_KEY],
  "local.vm_names[count.index]": "dockhost",
};

function referenceStacks(): Record<string, StackJson> {
  return synthAll(buildReferenceHomelab(testApp()).app);
}

function userDataTemplate(infra: StackJson): string {
  return infra.resource.proxmox_virtual_environment_file.dockhost_user_data.source_raw.data;
}

describe("DockerHost in the reference homelab", () => {
  const stacks = referenceStacks();
  const infra = stacks["dockhost-infra"];
  const userData = evaluateTemplate(userDataTemplate(infra), SAMPLE_VALUES);
  const cloudConfig = parse(userData);
  const fileContent = (p: string): string => cloudConfig.write_files.find((f: any) => f.path === p).content;

  needs("cloud-init").test("the rendered user-data passes the real `cloud-init schema` validator", () => {
    const result = cloudInitSchema(userData);
    expect(result.stdout + result.stderr).toContain("Valid cloud-config");
    expect(result.code).toBe(0);
  });

  needs("cloud-init").test("the validator can fail: a wrong type is reported", () => {
    const result = cloudInitSchema(userData.replace("ssh_pwauth: false", "ssh_pwauth: [1]"));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("ssh_pwauth");
  });

  needs("shellcheck").test("every shell snippet passes shellcheck: runcmd, host scripts, Terraform's local-exec commands", () => {
    const scripts: Record<string, string> = {};
    cloudConfig.runcmd.forEach((cmd: string, i: number) => (scripts[`runcmd[${i}]`] = `#!/bin/sh\n${cmd}\n`));
    cloudConfig.write_files.filter((f: any) => f.permissions === "0755").forEach((f: any) => (scripts[f.path] = f.content));
    for (const [name, resource] of Object.entries<any>(infra.resource.null_resource)) {
      const exec = resource.provisioner[0]["local-exec"];
      scripts[`${name} command`] = evaluateTemplate(exec.command, {});
      if (exec.environment.DOCKHOST_APPLY_SCRIPT) scripts[`${name} remote script`] = Buffer.from(exec.environment.DOCKHOST_APPLY_SCRIPT, "base64").toString();
    }
    expect(Object.keys(scripts).length).toBeGreaterThanOrEqual(5);
    const findings = Object.entries(scripts).map(([name, script]) => [name, shellcheck(script)]).filter(([, out]) => out !== "");
    expect(findings).toEqual([]);
  });

  needs("shellcheck").test("shellcheck can fail", () => {
    expect(shellcheck("#!/bin/sh\necho $1 | cat $2\n")).toContain("SC2086");
  });

  test("daemon.json: json-file logs rotated at 10m, live-restore, address pools outside the LAN, metrics on docker0", () => {
    expect(JSON.parse(fileContent("/etc/docker/daemon.json"))).toEqual({
      "log-driver": "json-file",
      "log-opts": { "max-size": "10m", "max-file": "3" },
      "live-restore": true,
      "default-address-pools": [{ base: "172.30.0.0/16", size: 24 }],
      // docker0 takes the first subnet of the first pool: containers reach it, the LAN has no route to it.
      "metrics-addr": "172.30.0.1:9323",
    });
  });

  test("2 GB swap file, /opt/docker/stacks, housekeeping timers", () => {
    const setup = fileContent("/usr/local/sbin/dockhost-host-setup");
    expect(setup).toContain('SWAP_MB="2048"');
    expect(setup).toContain('STACKS_DIR="/opt/docker/stacks"');
    expect(setup).toContain("systemctl enable --now docker-prune.timer journal-vacuum.timer");
    expect(fileContent("/etc/systemd/system/docker-prune.timer")).toContain("OnCalendar=weekly");
    expect(fileContent("/etc/systemd/system/docker-prune.service")).toContain("docker image prune --all --force --filter until=168h");
    expect(fileContent("/etc/systemd/system/journal-vacuum.service")).toContain("journalctl --vacuum-time=7d");
    expect(cloudConfig.runcmd).toContain("/usr/local/sbin/dockhost-host-setup");
  });

  test("Docker Engine, the Compose plugin, the guest agent and unattended upgrades are packages; the agent installs again first in runcmd", () => {
    expect(cloudConfig.packages).toEqual(expect.arrayContaining(["docker-ce", "docker-compose-plugin", "qemu-guest-agent", "unattended-upgrades"]));
    // One unreachable source fails cloud-init's whole package step; bpg waits on the agent.
    expect(cloudConfig.runcmd[0]).toBe(GUEST_AGENT_INSTALL);
    expect(fileContent("/etc/apt/apt.conf.d/20auto-upgrades")).toContain('Unattended-Upgrade "1"');
  });

  needs("gpg").test("Docker's apt key travels in user-data (no keyserver), and gpg shows Docker's published fingerprint", () => {
    const docker = cloudConfig.apt.sources.docker;
    expect(docker.keyid).toBeUndefined();
    expect(docker.keyserver).toBeUndefined();
    expect(docker.source).toContain("signed-by=$KEY_FILE");
    const home = tempDir("gnupg");
    const gpg = spawnSync("gpg", ["--homedir", home, "--show-keys", "--with-colons"], { input: docker.key, encoding: "utf8" });
    expect(gpg.status).toBe(0);
    const fingerprints = gpg.stdout.split("\n").filter((l) => l.startsWith("fpr:")).map((l) => l.split(":")[9]);
    expect(fingerprints[0]).toBe(DOCKER_APT_KEY_FINGERPRINT);
    // gpg checks the armour's CRC: one changed character and the key is refused.
    const broken = spawnSync("gpg", ["--homedir", home, "--show-keys"], { input: docker.key.replace("mQINBFit2io", "mQINBFit2iO"), encoding: "utf8" });
    expect(broken.status).not.toBe(0);
  });

  needs("apt-get").test("real apt holds docker-ce to 29.x: a 29 patch release is the candidate, 30 is not", () => {
    const dir = tempDir("apt");
    ["repo", "lists/partial", "cache/archives/partial", "parts"].forEach((d) => fs.mkdirSync(path.join(dir, d), { recursive: true }));
    const versions = ["5:29.1.3-1~ubuntu.24.04~noble", "5:29.2.0-1~ubuntu.24.04~noble", "5:30.0.0-1~ubuntu.24.04~noble"];
    fs.writeFileSync(path.join(dir, "repo", "Packages"), versions.map((v) => `Package: docker-ce\nVersion: ${v}\nArchitecture: amd64\nFilename: x.deb\nSize: 1\nDescription: test\n`).join("\n"));
    fs.writeFileSync(path.join(dir, "sources.list"), `deb [trusted=yes] file:${dir}/repo ./\n`);
    const apt = (preferences: string, ...command: string[]) => {
      fs.writeFileSync(path.join(dir, "preferences"), preferences);
      const options = [
        ["Dir::Etc::SourceList", `${dir}/sources.list`], ["Dir::Etc::SourceParts", `${dir}/parts`], ["Dir::State::Lists", `${dir}/lists`],
        ["Dir::Cache", `${dir}/cache`], ["Dir::Etc::Preferences", `${dir}/preferences`], ["Dir::Etc::PreferencesParts", `${dir}/parts`],
        ["Debug::NoLocking", "1"], ["APT::Architecture", "amd64"], ["APT::Sandbox::User", "root"],
      ].flatMap(([k, v]) => ["-o", `${k}=${v}`]);
      return spawnSync(command[0], [...options, ...command.slice(1)], { encoding: "utf8" });
    };
    expect(apt("", "apt-get", "update", "-qq").status).toBe(0);
    const preferences = fileContent(DOCKER_PREFERENCES_PATH);
    const policy = apt(preferences, "apt-cache", "policy", "docker-ce");
    expect(policy.stderr).not.toMatch(/^E:/m);
    expect(policy.stdout).toContain("Candidate: 5:29.2.0-1~ubuntu.24.04~noble");
    // Without the pin, 30 would be installed; a malformed file is refused by apt.
    expect(apt("", "apt-cache", "policy", "docker-ce").stdout).toContain("Candidate: 5:30.0.0");
    expect(apt(preferences.replace("Package:", "Package"), "apt-cache", "policy", "docker-ce").stderr).toMatch(/E: Invalid record in the preferences file/);
  });

  needs("apt-get").test("unattended-upgrades also takes Docker's repository (apt-config reads the snippet)", () => {
    const dir = tempDir("aptconf");
    fs.writeFileSync(path.join(dir, "52dockhost"), fileContent(DOCKER_UPGRADES_PATH));
    const dump = spawnSync("apt-config", ["-c", path.join(dir, "52dockhost"), "dump", "Unattended-Upgrade::Origins-Pattern"], { encoding: "utf8" });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('Unattended-Upgrade::Origins-Pattern:: "origin=Docker,site=download.docker.com";');
  });

  /**
   * Runs `script` as root (sudo when not) in a private mount namespace where /etc/ssh, /etc/docker, /root, /home
   * and /var/lib/cloud are empty tmpfs: nothing of this machine is read or changed.
   */
  function inThrowawayNamespace(script: string): { status: number | null; stdout: string; stderr: string } {
    const setup = ["/etc/ssh", "/etc/docker", "/root", "/home", "/var/lib/cloud"].map((d) => `mkdir -p ${d} && mount -t tmpfs tmpfs ${d}`).join(" && ");
    const command = ["unshare", "--mount", "sh", "-c", `mount --make-rprivate / && ${setup} && ${script}`];
    const [exe, ...args] = isRoot() ? command : ["sudo", "-n", ...command];
    return spawnSync(exe, args, { encoding: "utf8" });
  }

  /** Host key digests before and after cloud-init's real cc_ssh runs with `config` on a VM that has keys. */
  function runCcSsh(config: object): { before: Record<string, string>; after: Record<string, string> } {
    const file = path.join(tempDir("cc-ssh"), "cloud-config.yaml");
    fs.writeFileSync(file, JSON.stringify(config));
    const result = inThrowawayNamespace(`ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key && /usr/bin/python3 ${path.join(__dirname, "support", "host", "cc-ssh.py")} ${file}`);
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
  }

  needs("cloud-init", "ssh-keygen", "unshare", "root").test("a user-data change (a new instance id) keeps the host keys: cloud-init's own cc_ssh, with our user-data", () => {
    expect(cloudConfig.ssh_deletekeys).toBe(false);
    const kept = runCcSsh(cloudConfig);
    const key = "/etc/ssh/ssh_host_ed25519_key";
    expect(kept.after[key]).toBe(kept.before[key]);
    // The old user-data (no ssh_deletekeys): cc_ssh deletes and regenerates the key, and accept-new refuses it.
    const { ssh_deletekeys: _, ...old } = cloudConfig;
    const regenerated = runCcSsh(old);
    expect(regenerated.after[key]).toBeDefined();
    expect(regenerated.after[key]).not.toBe(regenerated.before[key]);
  });

  needs("unshare", "root").test("a fresh clone's first boot drops host keys baked into the template; a later instance keeps them", () => {
    expect(cloudConfig.bootcmd).toEqual([FRESH_CLONE_KEY_RESET]);
    const run = (previousInstance: string) =>
      inThrowawayNamespace(
        `mkdir -p /var/lib/cloud/data && echo ${previousInstance} > /var/lib/cloud/data/previous-instance-id && touch /etc/ssh/ssh_host_ed25519_key && sh -c '${FRESH_CLONE_KEY_RESET}' && ls /etc/ssh`,
      ).stdout;
    expect(run("NO_PREVIOUS_INSTANCE_ID")).not.toContain("ssh_host_ed25519_key");
    expect(run("0123456789abcdef0123456789abcdef01234567")).toContain("ssh_host_ed25519_key");
  });

  // Day 2 writes the files, then runs host-setup, which alone checks a changed daemon.json. The
  // real engine's verdict is the host tier's (hosts/docker-host.test.ts: Debian's dockerd 20.10,
  // throwaway-daemon path); here the path Docker 23+ takes (`dockerd --validate`), with stand-ins
  // for dockerd and systemctl that record what the script asks of them.
  needs("unshare", "root").test("day 2: host-setup refuses a daemon.json dockerd --validate rejects, puts the applied one back and never restarts the engine", () => {
    const setup = fileContent("/usr/local/sbin/dockhost-host-setup");
    const block = setup.slice(setup.indexOf("daemon_json_accepted() {"), setup.indexOf("systemctl daemon-reload"));
    expect(block).toContain("cp \"$STATE_DIR/daemon.json.applied\" /etc/docker/daemon.json");
    const dir = tempDir("day2");
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "dockerd"), `#!/bin/sh\ncase "$1" in --help) echo '      --validate   Validate daemon configuration and exit' ;; --validate) /usr/bin/python3 -m json.tool "$3" >/dev/null 2>&1 || { echo "unable to configure the Docker daemon with file $3" >&2; exit 1; } ;; *) exit 2 ;; esac\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "systemctl"), `#!/bin/sh\necho "systemctl $*" >> ${dir}/systemctl.log\n`, { mode: 0o755 });
    const attempt = (content: string) => {
      const script = path.join(dir, "setup.sh");
      fs.writeFileSync(script, `set -eu\nPATH=${dir}/bin:$PATH\nSTATE_DIR=${dir}/state\n${block}\necho applied\n`);
      fs.rmSync(path.join(dir, "systemctl.log"), { force: true });
      const prepare = `mkdir -p ${dir}/state && echo '{"live-restore": true}' > ${dir}/state/daemon.json.applied && cp ${dir}/state/daemon.json.applied /etc/docker/daemon.json`;
      const result = inThrowawayNamespace(`${prepare} && printf '%s' '${content}' > /etc/docker/daemon.json && sh ${script}; echo "exit=$?"; cat /etc/docker/daemon.json`);
      return { ...result, systemctl: fs.existsSync(path.join(dir, "systemctl.log")) ? fs.readFileSync(path.join(dir, "systemctl.log"), "utf8") : "" };
    };
    const refused = attempt('{"log-driver": "json-file",');
    expect(refused.stdout).toContain("exit=1");
    expect(refused.stdout).not.toContain("applied");
    expect(refused.stdout).toContain('{"live-restore": true}');
    expect(refused.stderr).toContain("unable to configure the Docker daemon");
    expect(refused.stderr).toContain("dockhost: dockerd refuses the new /etc/docker/daemon.json (above); the engine keeps running with the previous one");
    expect(refused.systemctl).not.toContain("restart");
    const accepted = attempt(fileContent("/etc/docker/daemon.json").replace(/'/g, ""));
    expect(accepted.stdout).toContain("exit=0");
    expect(accepted.stdout).toContain('"default-address-pools"');
    expect(accepted.systemctl).toContain("systemctl restart docker");
  });

  test("day 2's remote script only writes files and runs host-setup: daemon.json is checked once, by host-setup", () => {
    const exec = infra.resource.null_resource.docker_host_apply.provisioner[0]["local-exec"];
    const remote = Buffer.from(exec.environment.DOCKHOST_APPLY_SCRIPT, "base64").toString();
    expect(remote).not.toMatch(/--validate|json\.tool/);
    expect(fileContent("/usr/local/sbin/dockhost-host-setup")).toContain("dockerd --validate --config-file");
  });

  test("admin user with the SSH keys and no password login", () => {
    expect(cloudConfig.ssh_pwauth).toBe(false);
    expect(cloudConfig.users).toEqual([expect.objectContaining({ name: "dockhost", lock_passwd: true, ssh_authorized_keys: [TEST_SSH_KEY] })]);
  });

  test("host keys are pinned on first use in a dedicated known_hosts file; checking is never off", () => {
    const all = JSON.stringify(stacks);
    expect(all).not.toMatch(/StrictHostKeyChecking=no/i);
    const provider = stacks["dockhost-apps"].provider.docker[0];
    expect(provider.ssh_opts).toEqual(expect.arrayContaining(["StrictHostKeyChecking=accept-new", "UserKnownHostsFile=~/.ssh/dockhost_known_hosts"]));
    for (const resource of Object.values<any>(infra.resource.null_resource)) {
      expect(resource.provisioner[0]["local-exec"].command).toContain("-o StrictHostKeyChecking=accept-new -o 'UserKnownHostsFile=~/.ssh/dockhost_known_hosts'");
    }
  });

  test("the readiness gate waits for cloud-init (exit 2 accepted) and docker info, after the VM", () => {
    const gate = infra.resource.null_resource.docker_ready;
    expect(gate.depends_on).toEqual(["proxmox_virtual_environment_vm.dockhost"]);
    expect(gate.count).toBe("${var.ssh_provisioners_enabled ? var.vm_count : 0}");
    const exec = gate.provisioner[0]["local-exec"];
    expect(exec.command).toContain("cloud-init status --wait >/dev/null || [ $? -eq 2 ]");
    expect(exec.command).toContain("sudo docker info");
    expect(exec.environment.DOCKHOST_TARGET).toBe(
      'dockhost@${element(split("/", proxmox_virtual_environment_vm.dockhost[count.index].initialization[0].ip_config[0].ipv4[0].address), 0)}',
    );
    expect(infra.variable.ssh_provisioners_enabled).toEqual(expect.objectContaining({ type: "bool", default: true }));
  });

  test("the readiness gate's total wait is bounded: readinessTimeoutSeconds (900 s), DOCKHOST_READY_TIMEOUT for one deploy", () => {
    const command: string = infra.resource.null_resource.docker_ready.provisioner[0]["local-exec"].command;
    expect(command).toContain("limit=$${DOCKHOST_READY_TIMEOUT:-900}");
    const stack = new DockhostStack(testApp(), "infra");
    const host = new DockerHost(stack, "docker", { vm: new DockhostVm(stack, "dockhost"), readinessTimeoutSeconds: 120 });
    expect(synthStack(stack).resource.null_resource.docker_ready.provisioner[0]["local-exec"].command).toContain("DOCKHOST_READY_TIMEOUT:-120}");
    expect(host.readiness).toBeDefined();
  });

  needs("ssh").test("the readiness gate, run against an address that refuses, prints each attempt and fails at its bound", async () => {
    // A port that was free a moment ago: 127.0.0.1 refuses connections to it.
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const target = `ssh://dockhost@127.0.0.1:${port}`;
    const command = evaluateTemplate(infra.resource.null_resource.docker_ready.provisioner[0]["local-exec"].command, {});
    const started = Date.now();
    const run = spawnSync("/bin/sh", ["-c", command], { env: { ...process.env, DOCKHOST_TARGET: target, DOCKHOST_READY_TIMEOUT: "6" }, encoding: "utf8", timeout: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    const refused = `ssh: connect to host 127.0.0.1 port ${port}: Connection refused`;
    const attempts = run.stdout.trim().split("\n");
    // The first attempt starts the clock (0 s, or 1 s on a loaded machine).
    expect(attempts[0]).toMatch(new RegExp(`^dockhost: ${target}: waiting for SSH: attempt 1, [01]s of 6s: `));
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    attempts.forEach((line, i) => expect(line).toMatch(new RegExp(`^dockhost: ${target}: waiting for SSH: attempt ${i + 1}, \\d+s of 6s: ${refused}$`)));
    expect(run.stderr.trim()).toMatch(new RegExp(`^dockhost: ${target}: gave up waiting for SSH after \\d+s \\(DOCKHOST_READY_TIMEOUT=6\\); last error: ${refused}$`));
    expect(run.status).toBe(1);
    expect(seconds).toBeLessThan(20);
  });

  test("the apps stack's Docker provider reaches the VM over SSH through a cross-stack reference", () => {
    const apps = stacks["dockhost-apps"];
    expect(apps.provider.docker[0].host).toBe(
      'ssh://dockhost@${element(split("/", data.terraform_remote_state.cross-stack-reference-input-dockhost-infra.outputs.cross-stack-output-proxmox_virtual_environment_vmdockhost0initialization0ip_config0ipv40address), 0)}:22',
    );
    expect(apps.data.terraform_remote_state["cross-stack-reference-input-dockhost-infra"].config.path).toBe("../../../terraform.dockhost-infra.tfstate");
  });
});

describe("synthesis of both stacks", () => {
  test("writes dockhost-infra and dockhost-apps, apps depending on infra in the manifest", () => {
    const { app } = buildReferenceHomelab(testApp());
    synthAll(app);
    const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(["dockhost-apps", "dockhost-infra"]);
    expect(manifest.stacks["dockhost-apps"].dependencies).toEqual(["dockhost-infra"]);
    expect(manifest.stacks["dockhost-infra"].dependencies).toEqual([]);
  });
});

describe("the engine's metrics endpoint", () => {
  function hostWith(props: Partial<DockerHostProps>): DockerHost {
    const stack = new DockhostStack(testApp(), "infra");
    return new DockerHost(stack, "docker", { vm: new DockhostVm(stack, "dockhost"), ...props });
  }
  const daemon = (host: DockerHost) => JSON.parse(host.hostFiles.find((f) => f.path === "/etc/docker/daemon.json")!.content);

  test("follows the first address pool, and reaches the apps stack's engine", () => {
    const host = hostWith({ addressPools: [{ base: "10.99.0.0/16", size: 24 }] });
    expect(host.bridgeAddress).toBe("10.99.0.1");
    expect(daemon(host)["metrics-addr"]).toBe("10.99.0.1:9323");
    expect(host.engineMetricsEndpoint).toBe("10.99.0.1:9323");
  });

  test("packages per distribution: Ubuntu's by default; Debian 12's docker.io without a Compose v2 package", () => {
    const cloudConfigOf = (props: Partial<DockerHostProps>) => parse(evaluateTemplate(hostWith(props).vm.cloudConfig.render(), SAMPLE_VALUES));
    expect(cloudConfigOf({ packageSource: "distribution" }).packages).toEqual(expect.arrayContaining(["docker.io", "docker-compose-v2"]));
    const debian = cloudConfigOf({ packageSource: "distribution", distribution: "debian" });
    expect(debian.packages).toContain("docker.io");
    expect(debian.packages).not.toContain("docker-compose-v2");
    expect(debian.apt).toBeUndefined();
    expect(cloudConfigOf({ distribution: "debian" }).apt.sources.docker.source).toContain("https://download.docker.com/linux/debian $RELEASE stable");
    expect(cloudConfigOf({}).apt.sources.docker.source).toContain("https://download.docker.com/linux/ubuntu $RELEASE stable");
  });

  test("can be switched off", () => {
    const host = hostWith({ engineMetrics: false });
    expect(daemon(host)["metrics-addr"]).toBeUndefined();
    expect(host.engineMetricsEndpoint).toBeUndefined();
  });
});

describe("day 2", () => {
  function infraWith(props: Partial<DockerHostProps>): StackJson {
    const stack = new DockhostStack(testApp(), "infra");
    new ProxmoxConnection(stack, "proxmox");
    const vm = new DockhostVm(stack, "dockhost");
    new DockerHost(stack, "docker", { vm, ...props });
    return synthStack(stack);
  }

  test("a changed host setting changes the day-2 trigger and not the VM resource", () => {
    const before = infraWith({});
    const after = infraWith({ logMaxSize: "50m", swapSizeMb: 4096 });
    const trigger = (s: StackJson) => s.resource.null_resource.docker_host_apply.triggers.host_config_sha256;
    expect(trigger(before)).toMatch(/^[0-9a-f]{64}$/);
    expect(trigger(after)).not.toBe(trigger(before));
    expect(after.resource.proxmox_virtual_environment_vm).toEqual(before.resource.proxmox_virtual_environment_vm);
    expect(before.resource.proxmox_virtual_environment_vm.dockhost.lifecycle.ignore_changes).toContain("initialization[0].user_data_file_id");
  });

  test("the day-2 script writes every host file and re-runs the setup script", () => {
    const infra = infraWith({ logMaxSize: "50m" });
    const exec = infra.resource.null_resource.docker_host_apply.provisioner[0]["local-exec"];
    const remote = Buffer.from(exec.environment.DOCKHOST_APPLY_SCRIPT, "base64").toString();
    const daemonLine = remote.split("\n").find((l) => l.startsWith("write_file /etc/docker/daemon.json 0644 "))!;
    expect(JSON.parse(Buffer.from(daemonLine.split(" ")[3], "base64").toString())["log-opts"]["max-size"]).toBe("50m");
    expect(remote.trim().endsWith("/usr/local/sbin/dockhost-host-setup")).toBe(true);
    expect(exec.command).toContain("| base64 -d | ssh ");
  });
});

describe("DockerHost bad input", () => {
  const bad: Array<[string, Partial<DockerHostProps>, RegExp]> = [
    ["address pool that is not a CIDR", { addressPools: [{ base: "172.30.0.0/33", size: 24 }] }, /addressPools\[0\]\.base = "172\.30\.0\.0\/33"; expected an IPv4 network/],
    ["address pool overlapping the LAN", { addressPools: [{ base: "192.168.0.0/16", size: 24 }] }, /addressPools\[0\]\.base = "192\.168\.0\.0\/16"; must not overlap the LAN 192\.168\.1\.0\/24/],
    ["overlapping address pools", { addressPools: [{ base: "172.30.0.0/16", size: 24 }, { base: "172.30.128.0/17", size: 24 }] }, /addressPools\[1\]\.base = "172\.30\.128\.0\/17"; must not overlap addressPools\[0\]/],
    ["pool size smaller than the pool", { addressPools: [{ base: "172.30.0.0/16", size: 8 }] }, /addressPools\[0\]\.size = 8/],
    ["non-numeric swap size", { swapSizeMb: "2G" as unknown as number }, /swapSizeMb = "2G"; expected a whole number/],
    ["negative swap size", { swapSizeMb: -1 }, /swapSizeMb = -1/],
    ["swap larger than the disk can hold", { swapSizeMb: 50 * 1024 }, /swapSizeMb = 51200; expected a whole number from 0 to 40960/],
    ["log size without unit", { logMaxSize: "10" }, /logMaxSize = "10"; expected a size such as 10m/],
    ["relative stacks dir", { stacksDir: "opt/stacks" }, /stacksDir = "opt\/stacks"; expected an absolute path/],
    ["shell in the prune schedule", { pruneSchedule: "weekly; rm -rf /" }, /pruneSchedule = "weekly; rm -rf \/"/],
    ["bad journal retention", { journalRetention: "a week" }, /journalRetention = "a week"/],
    ["unknown distribution", { distribution: "fedora" as "debian" }, /distribution = "fedora"; expected one of ubuntu, debian/],
    ["no time for the readiness gate", { readinessTimeoutSeconds: 0 }, /readinessTimeoutSeconds = 0; expected a whole number from 1 to 86400/],
  ];
  test.each(bad)("%s", (_, props, message) => {
    const stack = new DockhostStack(testApp(), "infra");
    const vm = new DockhostVm(stack, "dockhost");
    expect(() => new DockerHost(stack, "docker", { vm, ...props })).toThrow(message);
    expect(() => new DockerHost(stack, "docker2", { vm, ...props })).toThrow(/^infra\/docker2: invalid /);
  });

  test.each([["root"], ["Admin"], ["9lives"], ["docker"], ["a".repeat(33)], ["bad user"]])("admin user %s that Linux or Ubuntu would refuse", (name) => {
    const stack = new DockhostStack(testApp(), "infra");
    expect(() => new DockhostVm(stack, "dockhost", { adminUser: name })).toThrow(/^infra\/dockhost: invalid adminUser = .*expected a Linux user name/);
  });

  test("an invalid SSH public key", () => {
    const stack = new DockhostStack(testApp(), "infra");
    expect(() => new DockhostVm(stack, "dockhost", { sshPublicKeys: ["ssh-ed25519"] })).toThrow(/sshPublicKeys\[0\] = "ssh-ed25519"/);
  });

  test("connecting to a VM that does not exist", () => {
    const { dockerHost, apps } = buildReferenceHomelab(testApp());
    expect(() => dockerHost.connect(apps, { vmIndex: 1, id: "second" })).toThrow(/connect\.vmIndex = 1; expected a whole number from 0 to 0/);
  });
});
