import { createHash } from "crypto";
import { TerraformCount, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { checkInteger } from "../lib/bounds";
import { CloudConfigFile, escapeTerraformTemplate } from "../lib/cloud-config";
import { AddressPool, checkAddressPools, daemonJson, DEFAULT_ADDRESS_POOLS, defaultBridgeAddress, ENGINE_METRICS_PORT, LOG_SIZE_PATTERN } from "../lib/docker-daemon";
import { DOCKER_PREFERENCES_PATH, DOCKER_UPGRADES_PATH, dockerAptSource, dockerEnginePreferences, dockerUnattendedUpgrades } from "../lib/docker-apt";
import { invalid } from "../lib/errors";
import { terraformName } from "../lib/naming";
import { renderHostTemplate } from "../lib/host-template";
import { SEED } from "../lib/seed";
import { DEFAULT_KNOWN_HOSTS_FILE, SSH_BATCH_OPTIONS, sshCommand, sshTrustOptions } from "../lib/ssh";
import type { SwarmTopology } from "../lib/swarm";
import { declareVariable } from "../lib/terraform-variable";
import { DockerEngine } from "./docker-engine";
import { DockhostVm } from "./dockhost-vm";

/** Docker Engine settings of the dockhost VM(s); every default is the seed's. */
export interface DockerHostProps {
  /** The VM(s) that become Docker hosts. */
  readonly vm: DockhostVm;
  /**
   * json-file log rotation: size of one log file (Docker syntax: number + k, m or g).
   * @default "10m" (the seed)
   */
  readonly logMaxSize?: string;
  /**
   * json-file log rotation: files kept per container.
   * @default 3
   */
  readonly logMaxFiles?: number;
  /**
   * Keep containers running while dockerd restarts (upgrades, day-2 config changes). dockerd
   * refuses Swarm mode with it on: a SwarmCluster needs `false`.
   * @default true
   */
  readonly liveRestore?: boolean;
  /**
   * Pools Docker takes network subnets from. They must not overlap the LAN.
   * @default [{ base: "172.30.0.0/16", size: 24 }]
   */
  readonly addressPools?: readonly AddressPool[];
  /**
   * Swap file size in MB; 0 for none.
   * @default 2048 (the seed's 2 GB)
   */
  readonly swapSizeMb?: number;
  /**
   * Folder for compose files on the host.
   * @default "/opt/docker/stacks"
   */
  readonly stacksDir?: string;
  /**
   * systemd calendar expression for the removal of unused images (`docker image prune`).
   * @default "weekly"
   */
  readonly pruneSchedule?: string;
  /**
   * Only images unused for this long are pruned (Go duration, e.g. 168h).
   * @default "168h"
   */
  readonly pruneUnusedFor?: string;
  /**
   * Journal entries older than this are dropped daily (journalctl --vacuum-time syntax).
   * @default "7d" (the seed)
   */
  readonly journalRetention?: string;
  /**
   * Install Ubuntu's security updates automatically (unattended-upgrades).
   * @default true
   */
  readonly unattendedUpgrades?: boolean;
  /**
   * Where Docker Engine comes from: Docker's apt repository (docker-ce and the Compose plugin,
   * current releases) or the distribution's packages (docker.io, docker-compose-v2).
   * @default "docker"
   */
  readonly packageSource?: "docker" | "distribution";
  /**
   * The VM template's distribution: picks the package names and the path of Docker's apt
   * repository. Ubuntu's `docker.io` comes with `docker-compose-v2`; Debian 12 has no Compose v2
   * package, so `distribution` packages on Debian are `docker.io` alone.
   * @default "ubuntu"
   */
  readonly distribution?: "ubuntu" | "debian";
  /**
   * known_hosts file on the deploying machine that pins the VMs' SSH host keys (see lib/ssh.ts).
   * @default "~/.ssh/dockhost_known_hosts"
   */
  readonly knownHostsFile?: string;
  /**
   * How long, in seconds, the readiness gate waits in all for SSH, cloud-init and Docker on a new
   * VM before the deploy fails with the last error (it prints every attempt). One deploy can set
   * another bound with the environment variable `DOCKHOST_READY_TIMEOUT` (seconds). The last
   * attempt may overrun the bound by up to 45 s (SSH's 10 s connect timeout, cloud-init's 30 s poll).
   * @default 900 (15 minutes: a first boot installs Docker and the updates)
   */
  readonly readinessTimeoutSeconds?: number;
  /**
   * Serve the engine's Prometheus metrics (`metrics-addr`) on port 9323 of docker0's address
   * (`bridgeAddress`): containers reach it through their gateway, the LAN has no route to it. A
   * firewall on the VM must let the Docker networks (the address pools) reach it. If the address
   * pools change on a running VM, docker0 keeps its old address until a reboot, and dockerd cannot
   * bind the new one: reboot the VM after such a change.
   * @default true
   */
  readonly engineMetrics?: boolean;
}

const DOCKER_REPO_PACKAGES = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"];
const PACKAGES = {
  ubuntu: { docker: DOCKER_REPO_PACKAGES, distribution: ["docker.io", "docker-compose-v2"] },
  debian: { docker: DOCKER_REPO_PACKAGES, distribution: ["docker.io"] },
} as const;
const SETUP_SCRIPT_PATH = "/usr/local/sbin/dockhost-host-setup";
const SYSTEMD_CALENDAR = /^[A-Za-z0-9*:,./~ -]+$/;
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$/;
const JOURNAL_TIME = /^[0-9]+(s|min|h|d|weeks|months|years)$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;

/**
 * Docker Engine on the dockhost VM(s), configured by cloud-init at first boot and re-applied over
 * SSH whenever these settings change: a user-data change reaches a running VM only at its next
 * start from Proxmox (a new instance id, see DockhostVm), so day 2 goes over SSH. In the infra stack it adds a readiness gate that waits until Docker answers; `connect()`
 * gives the apps stack a Docker provider for one VM.
 *
 * Set the `ssh_provisioners_enabled` variable to false to plan and apply without any SSH.
 */
export class DockerHost extends Construct {
  public readonly vm: DockhostVm;
  public readonly knownHostsFile: string;
  /** Pools Docker takes network subnets from. */
  public readonly addressPools: readonly AddressPool[];
  public readonly stacksDir: string;
  /** Whether dockerd keeps containers running across its restarts (`live-restore`). */
  public readonly liveRestore: boolean;
  /** Address of docker0 on the VM, where containers reach host services (`host-gateway`). */
  public readonly bridgeAddress: string;
  /** `address:port` of the engine's Prometheus endpoint; undefined when `engineMetrics` is off. */
  public readonly engineMetricsEndpoint?: string;
  /** Files this construct puts on the host, daemon.json first. */
  public readonly hostFiles: readonly CloudConfigFile[];
  /** Hash of the host configuration; the day-2 resource is replaced (re-run) when it changes. */
  public readonly configHash: string;
  /** One per VM: done when cloud-init has finished and `docker info` answers. */
  public readonly readiness: NullResource;
  public readonly dayTwoApply: NullResource;

  constructor(scope: Construct, id: string, props: DockerHostProps) {
    super(scope, id);
    const path = this.node.path;
    this.vm = props.vm;
    const logMaxSize = props.logMaxSize ?? SEED.logMaxSize;
    if (!LOG_SIZE_PATTERN.test(logMaxSize)) invalid({ path, key: "logMaxSize", value: logMaxSize, allowed: "expected a size such as 10m (number + k, m or g)" });
    const logMaxFiles = checkInteger(path, "logMaxFiles", props.logMaxFiles ?? 3, { min: 1, max: 100 });
    const addressPools = props.addressPools ?? DEFAULT_ADDRESS_POOLS;
    checkAddressPools(path, addressPools, this.vm.lan);
    this.addressPools = addressPools;
    this.bridgeAddress = defaultBridgeAddress(addressPools);
    this.engineMetricsEndpoint = props.engineMetrics === false ? undefined : `${this.bridgeAddress}:${ENGINE_METRICS_PORT}`;
    const maxSwapMb = (this.vm.disk0SizeGb - SEED.rootFsGb) * 1024;
    const swapMb = checkInteger(path, "swapSizeMb", props.swapSizeMb ?? SEED.swapGb * 1024, { min: 0, max: maxSwapMb });
    this.liveRestore = props.liveRestore ?? true;
    this.stacksDir = matching(path, "stacksDir", props.stacksDir ?? "/opt/docker/stacks", ABSOLUTE_PATH, "an absolute path");
    const pruneSchedule = matching(path, "pruneSchedule", props.pruneSchedule ?? "weekly", SYSTEMD_CALENDAR, "a systemd calendar expression such as weekly or Sun *-*-* 03:00");
    const pruneUntil = matching(path, "pruneUnusedFor", props.pruneUnusedFor ?? "168h", GO_DURATION, "a duration such as 168h");
    const journalRetention = matching(path, "journalRetention", props.journalRetention ?? "7d", JOURNAL_TIME, "a journalctl time such as 7d or 2weeks");
    this.knownHostsFile = props.knownHostsFile ?? DEFAULT_KNOWN_HOSTS_FILE;
    const readinessTimeout = checkInteger(path, "readinessTimeoutSeconds", props.readinessTimeoutSeconds ?? 900, { min: 1, max: 86_400 });

    const setupScript = renderHostTemplate("host-setup.sh", { SWAP_MB: swapMb, ADMIN_USER: this.vm.adminUser, STACKS_DIR: this.stacksDir });
    this.hostFiles = [
      { path: "/etc/docker/daemon.json", permissions: "0644", content: daemonJson({ logMaxSize, logMaxFiles, liveRestore: this.liveRestore, addressPools, metricsAddress: this.engineMetricsEndpoint }) },
      { path: "/etc/systemd/system/docker-prune.service", permissions: "0644", content: renderHostTemplate("docker-prune.service", { PRUNE_UNTIL: pruneUntil }) },
      { path: "/etc/systemd/system/docker-prune.timer", permissions: "0644", content: renderHostTemplate("docker-prune.timer", { PRUNE_SCHEDULE: pruneSchedule }) },
      { path: "/etc/systemd/system/journal-vacuum.service", permissions: "0644", content: renderHostTemplate("journal-vacuum.service", { JOURNAL_RETENTION: journalRetention }) },
      { path: "/etc/systemd/system/journal-vacuum.timer", permissions: "0644", content: renderHostTemplate("journal-vacuum.timer", {}) },
      { path: "/etc/apt/apt.conf.d/20auto-upgrades", permissions: "0644", content: renderHostTemplate("20auto-upgrades", { UNATTENDED_UPGRADES: props.unattendedUpgrades === false ? 0 : 1 }) },
      ...((props.packageSource ?? "docker") === "docker"
        ? [
            { path: DOCKER_PREFERENCES_PATH, permissions: "0644", content: dockerEnginePreferences() },
            { path: DOCKER_UPGRADES_PATH, permissions: "0644", content: dockerUnattendedUpgrades() },
          ]
        : []),
      { path: SETUP_SCRIPT_PATH, permissions: "0755", content: setupScript },
    ];
    this.configHash = createHash("sha256").update(JSON.stringify(this.hostFiles)).digest("hex");

    const distribution = props.distribution ?? "ubuntu";
    if (!Object.keys(PACKAGES).includes(distribution)) invalid({ path, key: "distribution", value: distribution, allowed: `expected one of ${Object.keys(PACKAGES).join(", ")}` });
    this.addCloudConfig(distribution, props.packageSource ?? "docker", props.unattendedUpgrades !== false);

    const stack = TerraformStack.of(this);
    if (!stack.node.tryFindChild("null")) new NullProvider(stack, "null");
    const enabled = declareVariable(this, "ssh_provisioners_enabled", {
      type: "bool",
      description: "Run the SSH steps (readiness gate, day-2 host apply); false plans and applies without connecting to the VMs",
      default: true,
    });
    const count = TerraformCount.of(Token.asNumber(`\${var.${enabled.friendlyUniqueId} ? var.vm_count : 0}`));
    const environment = { DOCKHOST_TARGET: `${this.vm.adminUser}@${this.vm.addressOf("count.index")}` };
    const ssh = `${sshCommand(this.knownHostsFile)} "$DOCKHOST_TARGET"`;

    this.readiness = new NullResource(this, "ready", {
      count,
      triggers: { vm_id: Token.asString(this.vm.vmIdOf("count.index")) },
      dependsOn: [this.vm.vm],
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: escapeTerraformTemplate(renderHostTemplate("deploy-wait-ready.sh", { SSH: ssh, TIMEOUT_SECONDS: readinessTimeout })),
          environment,
        },
      ],
    });

    const remoteScript = renderHostTemplate("remote-apply.sh", {
      WRITE_FILES: this.hostFiles.map((f) => `write_file ${f.path} ${f.permissions} ${Buffer.from(f.content).toString("base64")}`).join("\n"),
      SETUP_SCRIPT: SETUP_SCRIPT_PATH,
    });
    this.dayTwoApply = new NullResource(this, "apply", {
      count,
      triggers: { host_config_sha256: this.configHash, vm_id: Token.asString(this.vm.vmIdOf("count.index")) },
      dependsOn: [this.readiness],
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: escapeTerraformTemplate(renderHostTemplate("deploy-apply-host.sh", { SSH: ssh })),
          environment: { ...environment, DOCKHOST_APPLY_SCRIPT: Buffer.from(remoteScript).toString("base64") },
        },
      ],
    });
    // Terraform addresses are public contract: short, stable names rather than hashed ids.
    this.readiness.overrideLogicalId(`${terraformName(id)}_ready`);
    this.dayTwoApply.overrideLogicalId(`${terraformName(id)}_host_apply`);
  }

  /**
   * The Docker provider for VM `vmIndex`, in another stack (the apps stack): `ssh://admin@address`,
   * with the same pinned known_hosts file. The address travels as a cross-stack reference. `swarm`
   * is for SwarmCluster.connect(): the engine is then that Swarm's manager.
   */
  public connect(scope: Construct, options: { readonly vmIndex?: number; readonly id?: string; readonly swarm?: SwarmTopology } = {}): DockerEngine {
    const vmIndex = checkInteger(this.node.path, "connect.vmIndex", options.vmIndex ?? 0, { min: 0, max: this.vm.count - 1 });
    return new DockerEngine(scope, options.id ?? `docker-${this.vm.vmName(vmIndex)}`, {
      host: `ssh://${this.vm.adminUser}@${this.vm.addressOf(vmIndex)}:22`,
      sshOptions: [...sshTrustOptions(this.knownHostsFile), ...SSH_BATCH_OPTIONS],
      name: this.vm.vmName(vmIndex),
      lanCidr: this.vm.lan.text,
      dockerHost: this,
      vmIndex,
      swarm: options.swarm,
    });
  }

  private addCloudConfig(distribution: "ubuntu" | "debian", source: "docker" | "distribution", unattendedUpgrades: boolean): void {
    const config = this.vm.cloudConfig;
    if (source === "docker") {
      // The key travels in user-data: no keyserver at first boot (lib/docker-apt.ts).
      config.set("apt", dockerAptSource(distribution));
    }
    config
      .set("package_update", true)
      .set("package_upgrade", true)
      .addPackages(...PACKAGES[distribution][source], "ca-certificates")
      .addPackages(...(unattendedUpgrades ? ["unattended-upgrades"] : []));
    this.hostFiles.forEach((file) => config.addFile(file));
    config.addCommands(SETUP_SCRIPT_PATH);
  }
}

function matching(path: string, key: string, value: string, pattern: RegExp, allowed: string): string {
  if (!pattern.test(value)) invalid({ path, key, value, allowed: `expected ${allowed}` });
  return value;
}
