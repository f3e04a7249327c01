/**
 * The typed, compose-shaped model of a stack of containers: what `ComposeStack` props describe,
 * what `ComposeStack.fromYaml` reads and `ComposeStack.toComposeYaml` renders. Field names are the compose
 * keys in camelCase; where the model is narrower than compose, the JSDoc says so.
 */

/** Transport protocols of published ports. */
export const PORT_PROTOCOLS = ["tcp", "udp"] as const;

/** Transport protocol of a published port. */
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

/** Protocol Docker uses when a port names none. */
export const DEFAULT_PORT_PROTOCOL: PortProtocol = "tcp";

/** A container port published on the Docker host (compose `ports`). One port per entry: no ranges. */
export interface PortSpec {
  /**
   * Host address to bind, IPv4 or IPv6 without brackets (`127.0.0.1`, `::1`).
   * @default - every address of the host, IPv4 and IPv6
   */
  readonly hostIp?: string;
  /**
   * Port on the Docker host, 1..65535.
   * @default - Docker picks a free ephemeral port
   */
  readonly hostPort?: number;
  /** Port the process listens on inside the container, 1..65535. */
  readonly containerPort: number;
  /**
   * Transport protocol.
   * @default "tcp"
   */
  readonly protocol?: PortProtocol;
}

/** A named volume of the stack, mounted into a container. */
export interface NamedVolumeMount {
  /** Key of the volume in {@link StackSpec.volumes}. */
  readonly volume: string;
  /** Absolute path inside the container. */
  readonly target: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Mount propagation of a bind mount (Docker's `bind.propagation`). */
export type BindPropagation = "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave";
export const BIND_PROPAGATIONS: readonly BindPropagation[] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

/** A directory or file of the Docker host, mounted into a container. */
export interface BindMount {
  /**
   * Path on the Docker host (not on the machine running cdktf). As in compose, a relative path
   * (`./data`, `../shared`) resolves against the stack's folder on the host
   * (`<stacksDir>/<stack>`, where `docker compose up` would run), and `~` is the home of the
   * VM's admin user, who would run it. Docker creates a missing folder.
   */
  readonly hostPath: string;
  /** Absolute path inside the container. */
  readonly target: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Mount propagation, e.g. `rslave` so mounts made on the host later (a new disk) show inside.
   * @default Docker's (rprivate)
   */
  readonly propagation?: BindPropagation;
}

/** One entry of compose `volumes` on a service. Anonymous volumes are not part of the model. */
export type VolumeMount = NamedVolumeMount | BindMount;

/** Tells a bind mount from a named-volume mount. */
export function isBindMount(mount: VolumeMount): mount is BindMount {
  return "hostPath" in mount;
}

/** How Docker decides whether a container is healthy (compose `healthcheck`). */
export interface HealthcheckSpec {
  /**
   * The check, as Docker stores it: `["CMD", exe, ...args]` runs a program, `["CMD-SHELL", "script"]`
   * runs `/bin/sh -c script`, `["NONE"]` disables the image's own check.
   */
  readonly test: readonly string[];
  /**
   * Time between checks, a duration such as `"10s"` or `"1m30s"` (units h, m, s, ms, us, ns).
   * @default "30s"
   */
  readonly interval?: string;
  /**
   * Time after which one check counts as failed, a duration.
   * @default "30s"
   */
  readonly timeout?: string;
  /**
   * Time after start during which failures do not count, a duration.
   * @default "0s"
   */
  readonly startPeriod?: string;
  /**
   * Consecutive failures before the container is unhealthy.
   * @default 3
   */
  readonly retries?: number;
}

/** Docker restart policies (compose `restart`). */
export const RESTART_POLICY_NAMES = ["no", "always", "unless-stopped", "on-failure"] as const;

/** A Docker restart policy. */
export type RestartPolicyName = (typeof RESTART_POLICY_NAMES)[number];

/** `on-failure` with a retry limit (compose `restart: on-failure:5`); Docker allows a limit only here. */
export interface OnFailureRestart {
  readonly policy: "on-failure";
  /** Restarts before Docker gives up; 0 means no limit. */
  readonly maxRetries: number;
}

/** A restart policy: a name, or `on-failure` with a retry limit. */
export type RestartSpec = RestartPolicyName | OnFailureRestart;

/** What a service waits for before its dependant starts (compose `depends_on.<service>.condition`). */
export const DEPENDENCY_CONDITIONS = ["service_started", "service_healthy", "service_completed_successfully"] as const;

/** A condition a dependant waits for. */
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

/** Services to start first: a list (each waited for until started) or a map to conditions. */
export type DependsOnSpec = readonly string[] | Readonly<Record<string, DependencyCondition>>;

/** Reads either form of {@link DependsOnSpec} as service name to condition. */
export function dependencyConditions(
  dependsOn: DependsOnSpec | undefined,
): Readonly<Record<string, DependencyCondition>> {
  if (dependsOn === undefined) return {};
  if (isDependencyList(dependsOn)) {
    return Object.fromEntries(dependsOn.map((service) => [service, "service_started" as const]));
  }
  return dependsOn;
}

/** Tells the list form of {@link DependsOnSpec} from the map form. */
export function isDependencyList(dependsOn: DependsOnSpec): dependsOn is readonly string[] {
  return Array.isArray(dependsOn);
}

/** Where a container's logs go (compose `logging`). */
export interface LoggingSpec {
  /**
   * Docker logging driver (`json-file`, `local`, `journald`, ...).
   * @default - the daemon's default driver (json-file rotated at 10 MB on a Dockhost VM)
   */
  readonly driver?: string;
  /**
   * Driver options, e.g. `{ "max-size": "10m", "max-file": "3" }`.
   * @default - the daemon's defaults for the driver
   */
  readonly options?: Readonly<Record<string, string>>;
}

/** Device cgroup permissions: each of `r`, `w`, `m` at most once. */
const DEVICE_PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

/** True for device permissions such as `rwm` or `r`. */
export function isDevicePermissions(text: string): boolean {
  return DEVICE_PERMISSIONS.test(text);
}

/** A host device made available in the container (compose `devices`). */
export interface DeviceSpec {
  /** Absolute device path on the Docker host, e.g. `/dev/dri`. */
  readonly hostPath: string;
  /**
   * Absolute path inside the container.
   * @default - the same as hostPath
   */
  readonly containerPath?: string;
  /**
   * Cgroup permissions, letters from `rwm` (read, write, mknod).
   * @default "rwm"
   */
  readonly permissions?: string;
}

/** How an image is built (compose `build`), by the Docker daemon of the host, from a folder sent by Terraform. */
export interface BuildSpec {
  /** The build context: a folder on the machine that runs Terraform (absolute, or relative to the working directory). */
  readonly context: string;
  /**
   * Dockerfile, relative to the context.
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;
  /**
   * Build arguments (`ARG`).
   * @default - none
   */
  readonly args?: Readonly<Record<string, string>>;
  /**
   * Stage of a multi-stage Dockerfile to build.
   * @default - the last stage
   */
  readonly target?: string;
}

/** How Swarm rolls a new version of a service out (compose `deploy.update_config`), or back (`rollback_config`). */
export interface SwarmRolloutSpec {
  /**
   * Tasks replaced at once.
   * @default 1
   */
  readonly parallelism?: number;
  /**
   * Wait between two batches, a duration.
   * @default "0s"
   */
  readonly delay?: string;
  /**
   * What Swarm does when a task of the new version fails: `rollback` to the previous spec, `pause`, `continue`.
   * @default "rollback" for updates, "pause" for rollbacks
   */
  readonly failureAction?: "rollback" | "pause" | "continue";
  /**
   * How long each new task is watched for failure, a duration.
   * @default "5s"
   */
  readonly monitor?: string;
  /**
   * `start-first` starts the new task before stopping the old (no downtime); `stop-first` stops it
   * first, which a service on a local volume needs (two processes must not share its data).
   * @default "start-first", or "stop-first" for a service that mounts a named volume
   */
  readonly order?: "start-first" | "stop-first";
}

/**
 * Docker Swarm settings of a service (compose `deploy`). Only a ComposeStack on a Swarm engine
 * honours them; on a single host, replicas above 1, global mode and placement are refused and the
 * rest (rollout, reservations, endpoint mode, service labels) has nothing to act on.
 */
export interface DeploySpec {
  /**
   * `replicated` runs `replicas` tasks; `global` one task on every eligible node (agents, exporters).
   * @default "replicated"
   */
  readonly mode?: "replicated" | "global";
  /**
   * Tasks of a replicated service.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * `vip`: one virtual IP balanced by IPVS; `dnsrr`: the service name resolves to every task (no
   * IPVS needed; ports are then published in host mode on the nodes that run a task).
   * @default "vip"
   */
  readonly endpointMode?: "vip" | "dnsrr";
  /** Where tasks may run. */
  readonly placement?: {
    /**
     * Constraints every node must meet: `node.hostname == dockhost-2`, `node.role == manager`,
     * `node.labels.disk == ssd` (`==` or `!=`).
     * @default - none: any node (a service with a named volume is pinned to the stack's data node)
     */
    readonly constraints?: readonly string[];
    /**
     * Tasks of this service on one node at most; 0 is no limit.
     * @default 0
     */
    readonly maxReplicasPerNode?: number;
  };
  /**
   * Rolling update.
   * @default start-first (stop-first with a named volume), one at a time, rollback on failure
   */
  readonly updateConfig?: SwarmRolloutSpec;
  /**
   * How a failed update is rolled back.
   * @default the update's order, one at a time, pause on failure
   */
  readonly rollbackConfig?: SwarmRolloutSpec;
  /** What the scheduler sets aside on a node for each task (limits come from memoryLimitMb and cpus). */
  readonly resources?: {
    readonly reservations?: {
      /**
       * CPUs reserved; fractions allowed.
       * @default - none
       */
      readonly cpus?: number;
      /**
       * Memory reserved in MiB: a node without this much unreserved memory gets no task.
       * @default - none
       */
      readonly memoryMb?: number;
    };
  };
  /**
   * Labels of the Swarm service itself (not its containers): what Traefik's Swarm provider reads.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One service of a stack: one container, described the way compose describes it. */
export interface ServiceSpec {
  /** Image reference, e.g. `postgres:16` or `ghcr.io/owner/app@sha256:...`. */
  readonly image: string;
  /**
   * Arguments that replace the image's CMD.
   * @default - the image's CMD
   */
  readonly command?: readonly string[];
  /**
   * Program and arguments that replace the image's ENTRYPOINT; an empty list clears it.
   * @default - the image's ENTRYPOINT
   */
  readonly entrypoint?: readonly string[];
  /**
   * Plain environment variables. Secrets do not belong here: `ComposeStack` takes them separately.
   * @default - none beyond the image's
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * TCP ports the service listens on for other services of the stack network; not published on the
   * host. Lets a reverse proxy or a scraper find the port.
   * @default - none
   */
  readonly expose?: readonly number[];
  /**
   * Ports published on the Docker host.
   * @default - none
   */
  readonly ports?: readonly PortSpec[];
  /**
   * Named volumes and bind mounts.
   * @default - none
   */
  readonly volumes?: readonly VolumeMount[];
  /**
   * Networks from {@link StackSpec.networks} joined in addition to the stack's own network, which
   * every service joins.
   * @default - only the stack's own network
   */
  readonly networks?: readonly string[];
  /**
   * Container labels.
   * @default - none beyond the image's
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Health check.
   * @default - the image's HEALTHCHECK, if any
   */
  readonly healthcheck?: HealthcheckSpec;
  /**
   * Restart policy.
   * @default "no"
   */
  readonly restart?: RestartSpec;
  /**
   * Services of this stack to start first.
   * @default - none
   */
  readonly dependsOn?: DependsOnSpec;
  /**
   * User (and group) the process runs as: `name`, `uid`, `uid:gid`.
   * @default - the image's USER
   */
  readonly user?: string;
  /**
   * Mount the container's root filesystem read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Linux capabilities added, e.g. `NET_ADMIN`.
   * @default - none
   */
  readonly capAdd?: readonly string[];
  /**
   * Linux capabilities dropped, e.g. `ALL`.
   * @default - none
   */
  readonly capDrop?: readonly string[];
  /**
   * Security options, e.g. `no-new-privileges:true`.
   * @default - none
   */
  readonly securityOpt?: readonly string[];
  /**
   * Memory limit in MiB (the unit Docker's `m` suffix means), a whole number of at least 6.
   * @default - no limit
   */
  readonly memoryLimitMb?: number;
  /**
   * CPU limit in CPUs; fractions allowed (`0.5` is half a core).
   * @default - no limit
   */
  readonly cpus?: number;
  /**
   * Logging driver and options.
   * @default - the daemon's logging configuration
   */
  readonly logging?: LoggingSpec;
  /**
   * Host name inside the container.
   * @default - the container id
   */
  readonly hostname?: string;
  /**
   * Absolute container paths mounted as empty tmpfs (in memory, cleared on restart), each
   * optionally followed by mount options as compose writes them: `/run:size=64m,mode=1777`.
   * @default - none
   */
  readonly tmpfs?: readonly string[];
  /**
   * Name of the container on the host (compose `container_name`).
   * @default `<stack>-<service>`
   */
  readonly containerName?: string;
  /**
   * Whether the service joins the stack's own network (compose's `default`). Compose leaves it
   * off a service whose `networks` list does not name `default`: a backend only on an internal
   * network.
   * @default true
   */
  readonly defaultNetwork?: boolean;
  /**
   * More DNS names of the service on every network it joins (compose `networks.<n>.aliases`, and
   * the alias of `links: [db:database]`). The service name is always one.
   * @default - the service name only
   */
  readonly aliases?: readonly string[];
  /**
   * Size of /dev/shm in MiB (compose `shm_size`; PostgreSQL images want more than Docker's 64).
   * @default - Docker's 64 MiB
   */
  readonly shmSizeMb?: number;
  /**
   * Resource limits by name (`nofile`, `nproc`, `memlock`): soft and hard values; -1 is unlimited.
   * @default - the daemon's
   */
  readonly ulimits?: Readonly<Record<string, { readonly soft: number; readonly hard: number }>>;
  /**
   * Time the process gets to exit after the stop signal before it is killed, a duration.
   * @default "10s"
   */
  readonly stopGracePeriod?: string;
  /**
   * Signal that stops the container, e.g. `SIGQUIT`.
   * @default - the image's STOPSIGNAL, else SIGTERM
   */
  readonly stopSignal?: string;
  /**
   * Supplementary groups of the process, by name or id (e.g. `video` for /dev/dri).
   * @default - none
   */
  readonly groupAdd?: readonly string[];
  /**
   * Mounts every volume of other containers (compose `volumes_from`): a service of this stack
   * (`app`), or an existing container (`container:name`), each optionally `:ro` or `:rw`.
   * @default - none
   */
  readonly volumesFrom?: readonly string[];
  /**
   * Builds the image on the Docker host from a local folder instead of pulling it (compose
   * `build`); `image` names the result.
   * @default - the image is pulled
   */
  readonly build?: BuildSpec;
  /**
   * Run an init process (tini) as PID 1 that reaps zombies and forwards signals.
   * @default false
   */
  readonly init?: boolean;
  /**
   * Allocate a terminal (compose `tty`).
   * @default false
   */
  readonly tty?: boolean;
  /**
   * Keep stdin open (compose `stdin_open`).
   * @default false
   */
  readonly stdinOpen?: boolean;
  /**
   * Namespaced kernel parameters, e.g. `net.ipv4.ip_forward: "1"`.
   * @default - none
   */
  readonly sysctls?: Readonly<Record<string, string>>;
  /**
   * DNS servers of the container, instead of Docker's embedded resolver's upstreams.
   * @default - the daemon's
   */
  readonly dns?: readonly string[];
  /**
   * Host devices made available in the container.
   * @default - none
   */
  readonly devices?: readonly DeviceSpec[];
  /**
   * Extra `/etc/hosts` entries, host name to IP address (or Docker's `host-gateway`).
   * @default - none
   */
  readonly extraHosts?: Readonly<Record<string, string>>;
  /**
   * Run with every capability and access to all host devices. Almost never needed; the policy
   * pack flags it.
   * @default false
   */
  readonly privileged?: boolean;
  /**
   * `host` shares the VM's network stack: the service joins no Docker network and publishes no
   * ports (it listens on the VM directly). The policy pack flags it.
   * @default - the stack network
   */
  readonly networkMode?: "host";
  /**
   * `host` shares the VM's process namespace (the service sees every process). Flagged by the policy pack.
   * @default - a private namespace
   */
  readonly pid?: "host";
  /**
   * `host` shares the VM's IPC namespace. Flagged by the policy pack.
   * @default - a private namespace
   */
  readonly ipc?: "host";
  /**
   * Absolute working directory of the process.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;
  /**
   * Swarm settings: replicas or global mode, placement, rolling updates, reservations.
   * @default - one replica, anywhere, on a Swarm engine; nothing on a single host
   */
  readonly deploy?: DeploySpec;
}

/** Compose has no size budget; YAML carries {@link VolumeSpec.sizeBudgetGb} under this extension key. */
export const SIZE_BUDGET_KEY = "x-dockhost-size-budget-gb";
/** YAML carries {@link VolumeSpec.backup} under this extension key. */
export const BACKUP_KEY = "x-dockhost-backup";
/** YAML carries {@link VolumeSpec.noBackupReason} under this extension key. */
export const NO_BACKUP_REASON_KEY = "x-dockhost-no-backup-reason";

/** A named volume declared by a stack (compose top-level `volumes`). */
export interface VolumeSpec {
  /**
   * The volume exists already (created by hand or by another stack); this stack mounts it but does
   * not create or delete it.
   * @default false
   */
  readonly external?: boolean;
  /**
   * GB of /var/lib/docker the volume may grow to. The capacity planner adds it to the Docker
   * disk budget; compose YAML carries it as `x-dockhost-size-budget-gb`.
   * @default - not counted by the capacity planner
   */
  readonly sizeBudgetGb?: number;
  /**
   * Whether `VolumeBackup` copies the volume. Every volume a stack creates is backed up unless it
   * opts out here, explicitly, so that the policy pack can tell a choice from an oversight; say
   * why in `noBackupReason`. Only for volumes this stack creates (an external volume is backed
   * up where it is created). Compose YAML carries it as `x-dockhost-backup`.
   * @default true
   */
  readonly backup?: boolean;
  /**
   * Why the volume is not backed up (a cache, data rebuilt from elsewhere), with `backup: false`.
   * Compose YAML carries it as `x-dockhost-no-backup-reason`.
   * @default - none
   */
  readonly noBackupReason?: string;
}

/** A network declared by a stack besides its own (compose top-level `networks`). */
export interface NetworkSpec {
  /**
   * The network's name on the host (compose `name:`): a network shared with another project, or
   * one whose name must not carry the stack prefix.
   * @default `<stack>_<key>`, or the key itself when external
   */
  readonly name?: string;
  /**
   * The network exists already (e.g. the reverse proxy's); this stack joins it but does not create it.
   * @default false
   */
  readonly external?: boolean;
  /**
   * Containers on the network have no route outside it. Only for networks this stack creates.
   * @default false
   */
  readonly internal?: boolean;
  /**
   * Encrypt the traffic between nodes (IPsec; compose `driver_opts: { encrypted: "" }`). Only on
   * a Swarm engine, whose networks are overlays.
   * @default false
   */
  readonly encrypted?: boolean;
}

/**
 * Compose's name for the network every service joins unless told otherwise. In the model that is
 * the stack's own network, which every service joins; `networks` lists only the others.
 */
export const STACK_NETWORK = "default";

/** A stack: services that share a network, plus the volumes and extra networks they use. */
export interface StackSpec {
  /** Services by name; the name is the service's DNS alias on the stack network. */
  readonly services: Readonly<Record<string, ServiceSpec>>;
  /**
   * Named volumes that services mount.
   * @default - none
   */
  readonly volumes?: Readonly<Record<string, VolumeSpec>>;
  /**
   * Networks services join besides the stack's own.
   * @default - none
   */
  readonly networks?: Readonly<Record<string, NetworkSpec>>;
}
