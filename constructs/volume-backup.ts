import { Aspects, Lazy, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { checkInteger } from "../lib/bounds";
import { checkAbsolutePath } from "../lib/compose/validate";
import { databaseDump, DatabaseDump, DUMP_FILE_NAME } from "../lib/database-dump";
import { invalid } from "../lib/errors";
import { backupSuccessCommand, TEXTFILE_DIR, WatchedBackup } from "../lib/monitoring/backup-metric";
import { checkAtSynth } from "../lib/synth-check";
import { isHostname } from "../lib/hostname";
import { VOLUME_BACKUP_IMAGE as PINNED_VOLUME_BACKUP_IMAGE } from "../lib/images";
import { parseAddress } from "../lib/ipv4";
import { terraformName } from "../lib/naming";
import { isCronExpression } from "../lib/schedule";
import type { SwarmNode } from "../lib/swarm";
import { ComposeService, ComposeStack, StackVolume } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { dockerSocketProxy } from "./docker-socket-proxy";
import { Secret } from "./secret";

/** Pinned image (lib/images.ts): offen/docker-volume-backup, maintained, small, reads `*_FILE` variables. */
export const VOLUME_BACKUP_IMAGE = PINNED_VOLUME_BACKUP_IMAGE;

/** Archives on a directory of the VM (a second disk, or the VM disk itself). */
export interface LocalBackupTarget {
  readonly kind: "local";
  /**
   * Absolute directory on the VM; created if missing.
   * @default "/var/backups/dockhost"
   */
  readonly path?: string;
}

/**
 * Archives on an NFS export (a NAS). Docker mounts it for the backup container, so a NAS that is
 * down fails the backup container instead of filling an empty mount point on the VM disk.
 */
export interface NfsBackupTarget {
  readonly kind: "nfs";
  /** NFS server: an IPv4 address or a host name such as `nas.lan`. */
  readonly server: string;
  /** Exported directory, e.g. `/volume1/backups/dockhost`. */
  readonly export: string;
  /**
   * Mount options after `addr=<server>`.
   * @default "nfsvers=4.1,rw"
   */
  readonly options?: string;
}

/** Archives in an S3-compatible bucket (AWS, MinIO, Backblaze B2, Garage, ...). */
export interface S3BackupTarget {
  readonly kind: "s3";
  readonly bucket: string;
  /**
   * Host (and port) of the S3 API, without scheme.
   * @default "s3.amazonaws.com"
   */
  readonly endpoint?: string;
  /**
   * Folder in the bucket, without leading slash.
   * @default the bucket's root
   */
  readonly path?: string;
  /** Access key id, as a Secret (it reaches the container as a file). */
  readonly accessKeyId: Secret;
  /** Secret access key, as a Secret (it reaches the container as a file). */
  readonly secretAccessKey: Secret;
}

/** Where volume archives go: a directory of the VM, an NFS export or an S3-compatible bucket. */
export type VolumeBackupTarget = LocalBackupTarget | NfsBackupTarget | S3BackupTarget;

/** Schedule, retention and target of a VolumeBackup. */
export interface VolumeBackupProps {
  /** The Docker engine (VM) whose volumes are backed up. One VolumeBackup per engine. */
  readonly engine: DockerEngine;
  /**
   * When backups run: a cron expression (5 fields, or 6 with seconds) or a descriptor such as
   * `@daily`, in UTC (the container's time zone).
   * @default "0 3 * * *" (nightly at 03:00)
   */
  readonly schedule?: string;
  /**
   * Archives older than this many days are pruned after each run.
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * A MonitoringStack on the engine alerts (VolumeBackupFailed) when the last successful run is
   * older than this many hours; set it above the time between two runs.
   * @default 26 (a daily run, with slack)
   */
  readonly alertAfterHours?: number;
  /**
   * Where archives go.
   * @default { kind: "local", path: "/var/backups/dockhost" }
   */
  readonly target?: VolumeBackupTarget;
  /**
   * Stop the containers that write to a backed-up volume while its archive is made (seconds to
   * minutes, at night), then start them again: a consistent copy of files no process is writing.
   * @default true
   */
  readonly stopContainers?: boolean;
  /**
   * Stack name of the backup container; its socket proxy's stack is `<name>-socket`.
   * @default "backup" for the first in its Terraform stack, "backup-<vm name>" for the next ones (other VMs)
   */
  readonly stackName?: string;
  /**
   * On a Swarm engine: the nodes (hostnames) that get a backup, each archiving its own volumes.
   * @default the dataNode of every ComposeStack on the engine with a backed-up volume, created before this
   */
  readonly nodes?: readonly string[];
}

/** The backup of one node's volumes. */
export interface NodeBackup {
  /** The single host's VM name, or the Swarm node's hostname. */
  readonly hostname: string;
  /** The Swarm node, on a Swarm engine. */
  readonly node?: SwarmNode;
  readonly stack: ComposeStack;
  readonly socketProxy: ComposeStack;
  readonly archiveVolume?: Volume;
}

/** A volume a VolumeBackup archives, and how the archive is kept consistent. */
export interface CoveredVolume extends StackVolume {
  /** Where the backup container mounts it, which is also its path in the archive. */
  readonly sourcePath: string;
  /** Containers stopped while the archive is made. */
  readonly stopped: readonly ComposeService[];
  /** The database dump written into the volume just before, when a database writes to it. */
  readonly dump?: { readonly service: ComposeService; readonly dump: DatabaseDump };
}

const SERVICE = "backup";
/** Where node-exporter's textfile directory is mounted in the backup container. */
const TEXTFILE_MOUNT = "/textfile";
const SOURCES_DIR = "/backup";
const ARCHIVE_DIR = "/archive";
const DEFAULT_LOCAL_PATH = "/var/backups/dockhost";
/** docker-volume-backup's labels. */
const LABEL = {
  stop: "docker-volume-backup.stop-during-backup",
  execLabel: "docker-volume-backup.exec-label",
  archivePre: "docker-volume-backup.archive-pre",
  archivePreUser: "docker-volume-backup.archive-pre.user",
  prunePre: "docker-volume-backup.prune-pre",
} as const;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_ENDPOINT = /^[a-z0-9.-]+(:[0-9]{1,5})?$/i;
const S3_PATH = /^[A-Za-z0-9!_.*'()\-][A-Za-z0-9!_.*'()\-/]*$/;
const NFS_OPTIONS = /^[a-z0-9=._,-]+$/i;

const backupsByEngine = new WeakMap<DockerEngine, VolumeBackup>();

/**
 * Nightly archives of every named volume on one Docker engine that is marked for backup (all
 * volumes a ComposeStack creates, unless opted out with `backup: false`), found when the app is
 * synthesized, so a stack added later is covered too. One container, offen/docker-volume-backup,
 * makes one archive per run, prunes old ones, and reaches Docker through a socket proxy that
 * allows only what it needs: listing, stopping and starting containers, and exec for the dumps.
 *
 * Consistency: containers that write to a backed-up volume are stopped while the archive is made
 * and started again; PostgreSQL, MariaDB and MySQL services first write a logical dump into their
 * volume (an exec label), so the archive holds both their files and a portable dump.
 *
 * On a Swarm engine a volume is local to its stack's dataNode, so each such node gets its own
 * backup service and socket proxy, both pinned there (`node.hostname == <node>`): the proxy serves
 * that node's engine, where the dumps are exec'd; on a manager it also serves the Swarm API that
 * scales the labelled services to 0 during the archive. Archives are named `<node>_<date>`.
 */
export class VolumeBackup extends Construct {
  /** The VolumeBackup of `engine`, if there is one (for the policy pack). */
  public static onEngine(engine: DockerEngine): VolumeBackup | undefined {
    return backupsByEngine.get(engine);
  }

  public readonly engine: DockerEngine;
  public readonly schedule: string;
  public readonly retentionDays: number;
  /** The backup's base name and how old its last success may be (what each of `watchedBackups` is derived from). */
  public readonly watched: WatchedBackup;
  public readonly target: VolumeBackupTarget;
  public readonly stopContainers: boolean;
  /** Archive names: `<prefix>-<date>T<time>.tar.gz`, e.g. `dockhost-2026-11-25T03-00-00.tar.gz` (on a Swarm `<node>_<date>...`). */
  public readonly archivePrefix: string;
  /** The stack of the backup container (on a Swarm: the first node's). */
  public readonly stack: ComposeStack;
  /** The stack of its socket proxy (on a Swarm: the first node's). */
  public readonly socketProxy: ComposeStack;
  /** The docker volume of an NFS target (single host; on a Swarm each task's mount creates it on its node). */
  public readonly archiveVolume?: Volume;
  /** One backup per node: the single host, or each Swarm node that holds backed-up volumes. */
  public readonly nodeBackups: NodeBackup[] = [];
  /** What a MonitoringStack watches: one backup per node, each with its own success metric. */
  public readonly watchedBackups: readonly WatchedBackup[];
  private readonly archiveVolumeName: string;

  constructor(scope: Construct, id: string, props: VolumeBackupProps) {
    super(scope, id);
    const path = this.node.path;
    this.engine = props.engine;
    if (backupsByEngine.has(this.engine)) {
      invalid({ path, key: "engine", value: this.engine.vmName, allowed: `an engine without a VolumeBackup (${backupsByEngine.get(this.engine)!.node.path} backs it up already)` });
    }
    this.schedule = props.schedule ?? "0 3 * * *";
    if (!isCronExpression(this.schedule)) {
      invalid({ path, key: "schedule", value: this.schedule, allowed: "expected a cron expression such as 0 3 * * * (minute hour day-of-month month day-of-week), or @daily" });
    }
    this.retentionDays = checkInteger(path, "retentionDays", props.retentionDays ?? 7, { min: 1, max: 3650 });
    this.target = props.target ?? { kind: "local", path: DEFAULT_LOCAL_PATH };
    this.checkTarget(this.target);
    this.stopContainers = props.stopContainers ?? true;
    this.archivePrefix = this.engine.vmName;
    const stackName = ComposeStack.perVmStackName(this, this.engine, props.stackName, "backup", ["-socket"]);
    this.watched = { name: stackName, maxAgeHours: checkInteger(path, "alertAfterHours", props.alertAfterHours ?? 26, { min: 1, max: 24 * 366 }) };
    this.archiveVolumeName = `${stackName}_archive`;

    const swarm = this.engine.swarm;
    if (swarm) {
      // One backup per node that holds backed-up volumes: a volume is local to its node's engine.
      const dataNodes = props.nodes ?? [...new Set(ComposeStack.onEngine(this.engine).filter((s) => s.volumeList().some((v) => v.backup)).map((s) => s.dataNode!))];
      dataNodes.forEach((hostname, i) => {
        const node = swarm.nodes.find((n) => n.hostname === hostname);
        if (!node) invalid({ path, key: `nodes[${i}]`, value: hostname, allowed: `a node of the Swarm: ${swarm.nodes.map((n) => n.hostname).join(", ")}` });
        this.nodeBackups.push(this.buildBackup(`${stackName}-${hostname}`, hostname, node));
      });
      if (this.nodeBackups.length === 0) invalid({ path, key: "nodes", value: dataNodes, allowed: "at least one node: create the VolumeBackup after the ComposeStacks whose volumes it backs up, or name their data nodes in nodes" });
    } else {
      this.nodeBackups.push(this.buildBackup(stackName, this.engine.vmName));
    }
    this.stack = this.nodeBackups[0].stack;
    this.socketProxy = this.nodeBackups[0].socketProxy;
    this.archiveVolume = this.nodeBackups[0].archiveVolume;
    this.watchedBackups = this.nodeBackups.map((b) => ({ name: b.stack.stackName, maxAgeHours: this.watched.maxAgeHours }));
    // Labels go on the other stacks' containers before anything is rendered.
    const terraformStack = TerraformStack.of(this);
    Aspects.of(terraformStack).add({
      visit: (node) => {
        if (node === terraformStack) this.labelServices();
      },
    });
    backupsByEngine.set(this.engine, this);
    checkAtSynth(this, () => this.checkNodes());
  }

  /** The backup of the volumes on one node: its stack, socket proxy and archive mounts. */
  private buildBackup(stackName: string, hostname: string, node?: SwarmNode): NodeBackup {
    const manager = node?.role === "manager";
    const socketProxy = dockerSocketProxy(this, node ? `socket-proxy-${hostname}` : "socket-proxy", {
      engine: this.engine,
      stackName: `${stackName}-socket`,
      // List and inspect containers, exec the dumps, read /info (Swarm check). On a single host it
      // stops and starts containers; on a Swarm manager it scales labelled services to 0 and back
      // (offen v2.48.2 cmd/backup/stop_restart.go: ServiceList/Inspect/Update, docker/cli
      // cli/command/service/progress ServiceProgress lists tasks and nodes), and waits for their containers to go.
      allow: !node ? ["CONTAINERS", "POST", "ALLOW_START", "ALLOW_STOP", "EXEC", "INFO", "PING", "VERSION"]
        : manager ? ["CONTAINERS", "POST", "EXEC", "INFO", "PING", "VERSION", "SERVICES", "TASKS", "NODES"]
        : ["CONTAINERS", "POST", "EXEC", "INFO", "PING", "VERSION"],
      client: "the volume backup",
      // Exec and the container list reach only the engine the proxy runs on: the node's own.
      node: node?.hostname,
    });
    const s3 = this.target.kind === "s3" ? this.target : undefined;
    // Hostnames hold '-' but never '_': `dockhost_` is no prefix of `dockhost-2_`, so on a shared
    // target one node's pruning never touches another node's archives.
    const archivePrefix = node ? `${hostname}_` : `${this.archivePrefix}-`;
    const stack = new ComposeStack(this, node ? `stack-${hostname}` : "stack", {
      engine: this.engine,
      stackName,
      services: {
        [SERVICE]: {
          image: VOLUME_BACKUP_IMAGE,
          environment: {
            BACKUP_CRON_EXPRESSION: this.schedule,
            BACKUP_RETENTION_DAYS: String(this.retentionDays),
            BACKUP_COMPRESSION: "gz",
            BACKUP_FILENAME: `${archivePrefix}%Y-%m-%dT%H-%M-%S.tar.gz`,
            // Pruning then only ever touches our own archives (this node's, on a Swarm).
            BACKUP_PRUNING_PREFIX: archivePrefix,
            // Label values name this backup, so another backup container never acts on our labels.
            BACKUP_STOP_DURING_BACKUP_LABEL: stackName,
            EXEC_LABEL: stackName,
            EXEC_FORWARD_OUTPUT: "true",
            DOCKER_HOST: socketProxy.endpoint,
            ...(s3 && {
              AWS_S3_BUCKET_NAME: s3.bucket,
              ...(s3.endpoint !== undefined && { AWS_ENDPOINT: s3.endpoint }),
              ...(s3.path !== undefined && { AWS_S3_PATH: s3.path }),
            }),
          },
          secrets: s3 && { AWS_ACCESS_KEY_ID_FILE: s3.accessKeyId, AWS_SECRET_ACCESS_KEY_FILE: s3.secretAccessKey },
          // Runs (in this container) only when the archive was made and copied: the success metric.
          labels: { [LABEL.execLabel]: stackName, [LABEL.prunePre]: backupSuccessCommand(stackName, TEXTFILE_MOUNT) },
          restart: "unless-stopped",
          // docker_service 3.6.2 has no security_opt (lib/compose/swarm-service.ts).
          securityOpt: node ? undefined : ["no-new-privileges:true"],
          memoryLimitMb: 256,
          deploy: node && { placement: { constraints: [`node.hostname == ${hostname}`] } },
        },
      },
    });
    const backup = stack.service(SERVICE);
    socketProxy.serve(backup);

    const target = this.target;
    let archiveVolume: Volume | undefined;
    if (target.kind === "nfs" && !node) {
      archiveVolume = new Volume(this, "archive", {
        provider: this.engine.provider,
        name: this.archiveVolumeName,
        driver: "local",
        driverOpts: nfsDriverOptions(target),
      });
      archiveVolume.overrideLogicalId(terraformName(this.archiveVolumeName));
    }
    const covered = () => this.coveredVolumes().filter((v) => !node || v.stack.dataNode === hostname);
    if (!node) {
      const archiveMount = [
        ...(target.kind === "local" ? [{ host_path: target.path ?? DEFAULT_LOCAL_PATH, container_path: ARCHIVE_DIR }]
          : archiveVolume ? [{ volume_name: archiveVolume.name, container_path: ARCHIVE_DIR }]
          : []),
        { host_path: TEXTFILE_DIR, container_path: TEXTFILE_MOUNT },
      ];
      // The volumes to archive are known only once every stack is built.
      backup.container.putVolumes(
        Lazy.anyValue({
          produce: () => [...archiveMount, ...covered().map((v) => ({ volume_name: v.stack.volumes[v.volume].name, container_path: v.sourcePath, read_only: true }))],
        }),
      );
    } else {
      // A Swarm task mounts volumes of the node it runs on; an NFS volume is created there by the
      // mount's driver options (no docker_volume: that would exist on the manager only).
      const archiveMount =
        target.kind === "local" ? [{ type: "bind", source: target.path ?? DEFAULT_LOCAL_PATH, target: ARCHIVE_DIR }]
        : target.kind === "nfs" ? [{ type: "volume", source: this.archiveVolumeName, target: ARCHIVE_DIR, volume_options: { driver_name: "local", driver_options: nfsDriverOptions(target) } }]
        : [];
      backup.resource.addOverride(
        "task_spec.container_spec.mounts",
        Lazy.anyValue({
          produce: () => [
            ...archiveMount,
            { type: "bind", source: TEXTFILE_DIR, target: TEXTFILE_MOUNT },
            ...covered().map((v) => ({ type: "volume", source: v.stack.volumes[v.volume].name, target: v.sourcePath, read_only: true })),
          ],
        }),
      );
    }
    return { hostname, node, stack, socketProxy: socketProxy.stack, archiveVolume };
  }

  /**
   * On a Swarm: every covered volume's node has a backup, and services are stopped only where
   * offen can: a backup on a worker sees no Swarm API, so it cannot scale services down.
   */
  private checkNodes(): void {
    if (!this.engine.swarm) return;
    const path = this.node.path;
    for (const volume of this.coveredVolumes()) {
      const backup = this.nodeBackups.find((b) => b.hostname === volume.stack.dataNode);
      if (!backup) {
        invalid({ path, key: "nodes", value: this.nodeBackups.map((b) => b.hostname), allowed: `every node that holds a backed-up volume: ${volume.stack.stackName}/${volume.volume} is on ${volume.stack.dataNode} (create the VolumeBackup after its stacks, or list that node in nodes)` });
      }
      if (volume.stopped.length > 0 && backup.node?.role !== "manager") {
        invalid({
          path,
          key: "stopContainers",
          value: true,
          allowed: `false while ${volume.stack.stackName}/${volume.volume} sits on worker ${backup.hostname}: docker-volume-backup on a worker has no Swarm API to scale services down, and a stopped task is replaced at once (its docs, how-tos/use-with-docker-swarm.md). Put the stack's dataNode on a manager, or set stopContainers false (live archives; database dumps stay consistent)`,
        });
      }
    }
  }

  /**
   * Every volume this backup archives: those marked for backup in every ComposeStack on its
   * engine, in the order the stacks were created. Read it after the app is built.
   */
  public coveredVolumes(): readonly CoveredVolume[] {
    const stacks = ComposeStack.onEngine(this.engine);
    const dumped = new Set<ComposeService>();
    return stacks.flatMap((stack) =>
      stack.volumeList().filter((v) => v.backup).map((volume) => {
        const writers = volume.mounts.filter((m) => !m.readOnly);
        const dumps = writers.filter((m) => !dumped.has(m.service)).flatMap((m) => {
          const dump = databaseDump(stack.node.path, `services.${m.service.name}.secrets`, dumpSubject(m.service), m.target);
          return dump ? [{ service: m.service, dump }] : [];
        });
        dumps.forEach(({ service }) => dumped.add(service));
        return {
          ...volume,
          sourcePath: `${SOURCES_DIR}/${volume.name}`,
          stopped: this.stopContainers ? writers.map((m) => m.service) : [],
          dump: dumps[0],
        };
      }),
    );
  }

  /**
   * Shell commands, for root on the VM (`sudo -i`), that restore volume `volume` of `stack` from
   * the newest archive: stop the containers that mount it, empty it, unpack its folder of the
   * archive into it, start them again. Rendered from this construct's data (names, paths, target).
   */
  public restoreCommands(stack: ComposeStack, volume: string): string[] {
    const covered = this.coveredVolumes().find((v) => v.stack === stack && v.volume === volume);
    if (!covered) {
      invalid({ path: this.node.path, key: "restoreCommands.volume", value: `${stack.stackName}/${volume}`, allowed: `a volume this backup covers: ${this.coveredVolumes().map((v) => `${v.stack.stackName}/${v.volume}`).join(", ") || "none"}` });
    }
    const names = covered.mounts.map((m) => m.service.containerName).filter((name, i, all) => all.indexOf(name) === i);
    const containers = names.join(" ");
    // On a Swarm the volume is on its stack's data node, whose backup names archives after it; its
    // services (one task each: they hold data) are scaled to 0 and back instead of stopped.
    const node = this.engine.swarm ? covered.stack.dataNode : undefined;
    const prefix = node ? `${node}_` : `${this.archivePrefix}-`;
    const newest = (dir: string) => `for f in ${dir}/${prefix}*.tar.gz; do ARCHIVE="$f"; done`;
    const pick =
      this.target.kind === "local" ? [newest(this.target.path ?? DEFAULT_LOCAL_PATH)]
      : this.target.kind === "nfs" ? [`ARCHIVE_DIR=$(docker volume inspect --format '{{ .Mountpoint }}' ${this.archiveVolumeName})`, newest('"$ARCHIVE_DIR"')]
      : [`# Copy the archive to restore from s3://${this.target.bucket}/${this.target.path ?? ""} to /root with an S3 client (aws s3 cp, mc cp).`, newest("/root")];
    const lines = [
      ...(node ? [`# On ${node}, which holds the volume. docker service scale needs a manager: if ${node} is a worker, run those two lines on a manager.`] : []),
      `# Newest archive (archives sort by date); set ARCHIVE to an older one by hand if needed.`,
      ...pick,
      `echo "restoring ${covered.name} from $ARCHIVE"`,
      node ? `docker service scale ${names.map((n) => `${n}=0`).join(" ")}` : `docker stop ${containers}`,
      `VOLUME_DIR=$(docker volume inspect --format '{{ .Mountpoint }}' ${covered.name})`,
      `find "$VOLUME_DIR" -mindepth 1 -delete`,
      `tar -xzf "$ARCHIVE" -C "$VOLUME_DIR" --strip-components=2 ${covered.sourcePath}`,
      node ? `docker service scale ${names.map((n) => `${n}=1`).join(" ")}` : `docker start ${containers}`,
    ];
    if (covered.dump) {
      const { service, dump } = covered.dump;
      // The dump sits at the root of the volume, so at the root of its folder in the archive.
      const inArchive = `${covered.sourcePath}/${DUMP_FILE_NAME}`;
      lines.push(
        `# The archive also holds a ${dump.engine} dump taken just before it. To load that instead (e.g. into a newer`,
        `# major version), start ${service.containerName} on an empty volume, then:`,
        `# tar -xzf "$ARCHIVE" -O ${inArchive} | docker exec -i -u ${dump.user} ${node ? `$(docker ps -q -f label=com.docker.swarm.service.name=${service.containerName})` : service.containerName} /bin/sh -c '${dump.load}'`,
      );
    }
    return lines;
  }

  private checkTarget(target: VolumeBackupTarget): void {
    const path = this.node.path;
    const context = { path };
    switch (target.kind) {
      case "local":
        checkAbsolutePath(context, "target.path", target.path ?? DEFAULT_LOCAL_PATH);
        return;
      case "nfs":
        if (parseAddress(target.server) === undefined && !isHostname(target.server)) {
          invalid({ path, key: "target.server", value: target.server, allowed: "expected the NFS server's IPv4 address or host name, such as nas.lan" });
        }
        checkAbsolutePath(context, "target.export", target.export);
        if (target.options !== undefined && !NFS_OPTIONS.test(target.options)) invalid({ path, key: "target.options", value: target.options, allowed: "expected NFS mount options such as nfsvers=4.1,rw" });
        return;
      case "s3":
        if (!S3_BUCKET.test(target.bucket ?? "")) invalid({ path, key: "target.bucket", value: target.bucket, allowed: "expected an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')" });
        if (target.endpoint !== undefined && !S3_ENDPOINT.test(target.endpoint)) invalid({ path, key: "target.endpoint", value: target.endpoint, allowed: "expected the S3 API's host[:port], without https://" });
        if (target.path !== undefined && !S3_PATH.test(target.path)) invalid({ path, key: "target.path", value: target.path, allowed: "expected a folder in the bucket, without a leading /" });
        for (const key of ["accessKeyId", "secretAccessKey"] as const) {
          // A plain string would land in the synthesized JSON: credentials travel as Secrets only.
          if (!(target[key] instanceof Secret)) invalid({ path, key: `target.${key}`, value: target[key], secret: target[key] !== undefined, allowed: "expected a Secret (a sensitive Terraform variable): S3 credentials never appear in the synthesized JSON" });
        }
        return;
      default:
        invalid({ path, key: "target.kind", value: (target as { kind: unknown }).kind, allowed: "expected local, nfs or s3" });
    }
  }

  /**
   * Stop and dump labels on the services of the covered volumes, valued with the stack name of
   * the backup of their node. On a Swarm the stop label goes on the service (offen scales it to 0
   * and back) and the dump label on its task containers (offen execs on its node's containers).
   */
  private labelServices(): void {
    for (const volume of this.coveredVolumes()) {
      const label = (this.nodeBackups.find((b) => b.hostname === volume.stack.dataNode) ?? this.nodeBackups[0]).stack.stackName;
      volume.stopped.forEach((service) => {
        service.stack.addLabels(service.name, { [LABEL.stop]: label });
        // kreuzwerker 3.6.2's read deletes a container that is not running when must_run is true
        // (resource_docker_container_funcs.go, resourceDockerContainerRead): a plan during the
        // backup would remove it. Its restart policy, not Terraform, keeps it running.
        if (!this.engine.swarm) service.container.mustRun = false;
      });
      if (volume.dump) {
        const { service, dump } = volume.dump;
        service.stack.addTaskLabels(service.name, {
          [LABEL.archivePre]: `/bin/sh -c '${dump.command}'`,
          [LABEL.archivePreUser]: dump.user,
          [LABEL.execLabel]: label,
        });
      }
    }
  }
}

function nfsDriverOptions({ server, export: exported, options }: NfsBackupTarget): Record<string, string> {
  return { type: "nfs", o: `addr=${server},${options ?? "nfsvers=4.1,rw"}`, device: `:${exported}` };
}

function dumpSubject(service: ComposeService) {
  return { image: service.spec.image, variables: [...Object.keys(service.spec.environment ?? {}), ...Object.keys(service.spec.secrets ?? {})] };
}
