/**
 * VolumeBackup on a Docker Swarm: a named volume is local to its stack's data node, so each data
 * node gets its own backup service and socket proxy pinned there, archiving exactly that node's
 * volumes; database dumps are exec'd on the node the database runs on. Checked by assertions on
 * the JSON, terraform validate against the stand-in provider (real schemas), promtool on the
 * alert rules, and bad inputs.
 */
import * as path from "path";
import { App } from "cdktf";
import { ComposeStack } from "../constructs/compose-stack";
import { MonitoringStack } from "../constructs/monitoring-stack";
import { ReverseProxy } from "../constructs/reverse-proxy";
import { Secret } from "../constructs/secret";
import { SwarmCluster } from "../constructs/swarm-cluster";
import { VolumeBackup, VolumeBackupProps } from "../constructs/volume-backup";
import { renderAlertRules } from "../lib/monitoring/alert-rules";
import { backupAlertRules } from "../lib/monitoring/backup-metric";
import type { SwarmTopology } from "../lib/swarm";
import { buildReferenceHomelab, SETTINGS } from "../main";
import { REFERENCE_INFRA_VARS, StackJson, synthAll, synthStack, testApp } from "./support/synth";
import { swarmLab, SwarmLab } from "./support/swarm-lab";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";
import { needs } from "./support/requirements";
import { promtoolCheckConfig } from "./support/validators";
import { parse } from "yaml";

/** One manager and two workers. */
const WORKERS: SwarmTopology = {
  nodes: [
    { vmIndex: 0, hostname: "dockhost", role: "manager", labels: {}, memoryMb: 4096, cpuCores: 2 },
    { vmIndex: 1, hostname: "dockhost-2", role: "worker", labels: {}, memoryMb: 4096, cpuCores: 2 },
    { vmIndex: 2, hostname: "dockhost-3", role: "worker", labels: {}, memoryMb: 4096, cpuCores: 2 },
  ],
};
/** Three managers (quorum of three): every node answers the Swarm API. */
const MANAGERS: SwarmTopology = { nodes: WORKERS.nodes.map((n) => ({ ...n, role: "manager" as const })) };

type Lab = SwarmLab;
const lab = swarmLab;

/** A stack with a PostgreSQL database and a file volume, its data on `dataNode`. */
function appStack(l: Lab, name: string, dataNode: string): ComposeStack {
  const password = new Secret(l.apps, `${name}_db_password`);
  return new ComposeStack(l.apps, name, {
    engine: l.engine,
    dataNode,
    volumes: { db: { sizeBudgetGb: 5 }, files: { sizeBudgetGb: 1 } },
    services: {
      db: { image: "postgres:16.4", volumes: [{ volume: "db", target: "/var/lib/postgresql/data" }], secrets: { POSTGRES_PASSWORD_FILE: password }, memoryLimitMb: 512 },
      app: { image: "nginx:1.27.2", volumes: [{ volume: "files", target: "/usr/share/nginx/html" }], memoryLimitMb: 128 },
    },
  });
}

/** shop on the manager, notes on a worker, nothing on dockhost-3; then the backup. */
function cluster(topology: SwarmTopology, props: Partial<VolumeBackupProps> = {}) {
  const l = lab(topology);
  const shop = appStack(l, "shop", "dockhost");
  const notes = appStack(l, "notes", "dockhost-2");
  const backup = new VolumeBackup(l.apps, "backup", { engine: l.engine, ...props });
  return { l, shop, notes, backup };
}

const services = (json: StackJson): Record<string, any> => json.resource?.docker_service ?? {};
const label = (service: any, key: string) => service.task_spec.container_spec.labels?.find((l: { label: string }) => l.label === key)?.value;
const serviceLabel = (service: any, key: string) => service.labels?.find((l: { label: string }) => l.label === key)?.value;

describe("VolumeBackup on a Swarm of one manager and two workers (live archives)", () => {
  let json: StackJson;
  let backup: VolumeBackup;
  beforeAll(() => {
    const c = cluster(WORKERS, { stopContainers: false });
    backup = c.backup;
    json = synthStack(c.l.apps);
  });

  test("one backup service and one socket proxy per data node, each pinned to its node; none on the node without data", () => {
    const all = services(json);
    expect(backup.nodeBackups.map((b) => b.hostname)).toEqual(["dockhost", "dockhost-2"]);
    for (const node of ["dockhost", "dockhost-2"]) {
      const service = all[`backup-${node}_backup`];
      const proxy = all[`backup-${node}-socket_socket-proxy`];
      expect(service.task_spec.placement.constraints).toEqual([`node.hostname == ${node}`]);
      expect(proxy.task_spec.placement.constraints).toEqual([`node.hostname == ${node}`]);
      expect(service.task_spec.container_spec.env.DOCKER_HOST).toBe("tcp://socket-proxy:2375");
      expect(service.task_spec.container_spec.env).toMatchObject({ BACKUP_FILENAME: `${node}_%Y-%m-%dT%H-%M-%S.tar.gz`, BACKUP_PRUNING_PREFIX: `${node}_`, BACKUP_RETENTION_DAYS: "7", BACKUP_CRON_EXPRESSION: "0 3 * * *" });
    }
    expect(Object.keys(all).filter((name) => name.includes("dockhost-3"))).toEqual([]);
    // On a shared target (NFS, S3) one node's pruning prefix must not match another node's archives.
    expect("dockhost-2_2026-12-06T03-00-00.tar.gz".startsWith(all["backup-dockhost_backup"].task_spec.container_spec.env.BACKUP_PRUNING_PREFIX)).toBe(false);
    expect(json.resource.docker_container).toBeUndefined();
  });

  test("each backup mounts exactly its node's volumes, read-only, plus the archive dir and the textfile dir of its node", () => {
    const mounts = (node: string) => services(json)[`backup-${node}_backup`].task_spec.container_spec.mounts;
    expect(mounts("dockhost")).toEqual([
      { type: "bind", source: "/var/backups/dockhost", target: "/archive" },
      { type: "bind", source: expect.stringMatching(/^\//), target: "/textfile" },
      { type: "volume", source: "shop_db", target: "/backup/shop_db", read_only: true },
      { type: "volume", source: "shop_files", target: "/backup/shop_files", read_only: true },
    ]);
    expect(mounts("dockhost-2").filter((m: { type: string }) => m.type === "volume").map((m: { source: string }) => m.source)).toEqual(["notes_db", "notes_files"]);
  });

  test("the dump runs on the database's node: its exec label is on the task containers, valued with that node's backup", () => {
    const all = services(json);
    expect(label(all.shop_db, "docker-volume-backup.exec-label")).toBe("backup-dockhost");
    expect(label(all.notes_db, "docker-volume-backup.exec-label")).toBe("backup-dockhost-2");
    expect(label(all.notes_db, "docker-volume-backup.archive-pre")).toMatch(/^\/bin\/sh -c 'pg_dumpall/);
    expect(label(all.notes_db, "docker-volume-backup.archive-pre.user")).toBe("postgres");
    // The exec label reaches only containers on the proxy's engine: that proxy sits on dockhost-2.
    expect(services(json)["backup-dockhost-2-socket_socket-proxy"].task_spec.container_spec.env).toMatchObject({ EXEC: "1", CONTAINERS: "1", POST: "1" });
    // Nothing is stopped: no stop label anywhere.
    expect(Object.values(all).some((s) => serviceLabel(s, "docker-volume-backup.stop-during-backup") !== undefined)).toBe(false);
  });

  test("restore commands run on the volume's node, pick that node's archives and scale the services to 0 and back", () => {
    const notes = backup.coveredVolumes().find((v) => v.stack.stackName === "notes" && v.volume === "db")!.stack;
    const lines = backup.restoreCommands(notes, "db");
    expect(lines[0]).toMatch(/^# On dockhost-2, which holds the volume\. docker service scale needs a manager/);
    expect(lines).toContain("for f in /var/backups/dockhost/dockhost-2_*.tar.gz; do ARCHIVE=\"$f\"; done");
    expect(lines).toContain("docker service scale notes_db=0");
    expect(lines).toContain("docker service scale notes_db=1");
    expect(lines).toContain('tar -xzf "$ARCHIVE" -C "$VOLUME_DIR" --strip-components=2 /backup/notes_db');
    expect(lines.join("\n")).toContain("docker exec -i -u postgres $(docker ps -q -f label=com.docker.swarm.service.name=notes_db)");
  });

  test("a worker's proxy opens no Swarm API (a worker does not answer it); the manager's opens what scaling needs", () => {
    const env = (node: string) => services(json)[`backup-${node}-socket_socket-proxy`].task_spec.container_spec.env;
    expect(env("dockhost-2")).not.toHaveProperty("SERVICES");
    expect(env("dockhost")).toMatchObject({ SERVICES: "1", TASKS: "1", NODES: "1" });
  });

  test("alert rules: one per node backup, each on its own metric (the textfile of its node)", () => {
    expect(backup.watchedBackups.map((w) => w.name)).toEqual(["backup-dockhost", "backup-dockhost-2"]);
    const rules = backupAlertRules(backup.watchedBackups);
    expect(rules.filter((r) => r.alert === "VolumeBackupFailed").map((r) => r.expr)).toEqual([
      expect.stringContaining('{backup="backup-dockhost"}'),
      expect.stringContaining('{backup="backup-dockhost-2"}'),
    ]);
  });
});

describe("VolumeBackup on a Swarm of three managers (services stopped during the archive)", () => {
  test("the writers' services carry the stop label of their node's backup (offen scales them to 0 and back)", () => {
    const c = cluster(MANAGERS);
    const all = services(synthStack(c.l.apps));
    expect(serviceLabel(all.shop_db, "docker-volume-backup.stop-during-backup")).toBe("backup-dockhost");
    expect(serviceLabel(all.notes_app, "docker-volume-backup.stop-during-backup")).toBe("backup-dockhost-2");
    // Service labels, not task labels: a labelled container and service together make offen stop.
    expect(label(all.notes_app, "docker-volume-backup.stop-during-backup")).toBeUndefined();
    expect(all.notes_app.mode).toEqual({ replicated: { replicas: 1 } });
    expect(all["backup-dockhost-2-socket_socket-proxy"].task_spec.container_spec.env).toMatchObject({ SERVICES: "1", TASKS: "1", NODES: "1" });
  });

  test("an NFS target is mounted through the mount's driver options, so each node creates it itself", () => {
    const c = cluster(MANAGERS, { target: { kind: "nfs", server: "nas.lan", export: "/volume1/backups" } });
    const json = synthStack(c.l.apps);
    expect(json.resource.docker_volume).toBeUndefined();
    const archive = services(json)["backup-dockhost-2_backup"].task_spec.container_spec.mounts[0];
    expect(archive).toEqual({ type: "volume", source: "backup_archive", target: "/archive", volume_options: { driver_name: "local", driver_options: { type: "nfs", o: "addr=nas.lan,nfsvers=4.1,rw", device: ":/volume1/backups" } } });
  });

  needs("promtool").test("MonitoringStack alert rules with a backup per node pass promtool", () => {
    const l = lab(MANAGERS);
    const proxy = new ReverseProxy(l.apps, "edge", { engine: l.engine, stackName: "edge", tls: { email: "admin@example.com" } });
    const monitoring = new MonitoringStack(l.apps, "monitoring", { engine: l.engine, proxy, grafanaHost: "grafana.example.com", grafanaAdminPassword: new Secret(l.apps, "grafana_admin_password", { minLength: 12 }) });
    appStack(l, "notes", "dockhost-3");
    const backup = new VolumeBackup(l.apps, "backup", { engine: l.engine });
    expect(backup.nodeBackups.map((b) => b.hostname)).toEqual(["dockhost", "dockhost-3"]);
    // The MonitoringStack finds the backup (created after it) and alerts per node.
    const rules = renderAlertRules([...monitoring.alertRules, ...monitoring.backupAlertRules()]);
    expect(rules).toContain('backup="backup-dockhost-3"');
    const result = promtoolCheckConfig(monitoring.prometheusConfig(), { "dockhost-alerts.yml": rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});

describe("bad input for VolumeBackup on a Swarm", () => {
  test("stopping services on a worker's data: refused, naming the volume, the node and what to do", () => {
    const c = cluster(WORKERS);
    expect(() => c.l.app.synth()).toThrow(/dockhost-apps\/backup: invalid stopContainers = true; false while notes\/db sits on worker dockhost-2: .*no Swarm API.*Put the stack's dataNode on a manager, or set stopContainers false/);
  });

  test("a node that is not in the Swarm", () => {
    const l = lab(WORKERS);
    appStack(l, "shop", "dockhost");
    expect(() => new VolumeBackup(l.apps, "backup", { engine: l.engine, nodes: ["dockhost-9"] })).toThrow(/dockhost-apps\/backup: invalid nodes\[0\] = "dockhost-9"; a node of the Swarm: dockhost, dockhost-2, dockhost-3/);
  });

  test("a stack created after the backup on a node without one: refused at synth, naming the node", () => {
    const l = lab(MANAGERS);
    appStack(l, "shop", "dockhost");
    new VolumeBackup(l.apps, "backup", { engine: l.engine });
    appStack(l, "notes", "dockhost-3");
    expect(() => l.app.synth()).toThrow(/invalid nodes = \["dockhost"\]; every node that holds a backed-up volume: notes\/db is on dockhost-3/);
  });

  test("no stack with backed-up volumes yet: refused, saying to create the backup after its stacks", () => {
    const l = lab(MANAGERS);
    expect(() => new VolumeBackup(l.apps, "backup", { engine: l.engine })).toThrow(/invalid nodes = \[\]; at least one node: create the VolumeBackup after the ComposeStacks/);
  });
});

describe("housekeeping on every node of a 3-VM Swarm (DockerHost's, not the backup's)", () => {
  const lab = buildReferenceHomelab(testApp(), { ...SETTINGS, vm: { ...SETTINGS.vm, count: 3 } }, { liveRestore: false });
  new SwarmCluster(lab.infra, "swarm", { host: lab.dockerHost });
  const infra: any = synthAll(lab.app as App)["dockhost-infra"].resource;
  const TIMERS = ["/etc/systemd/system/docker-prune.timer", "/etc/systemd/system/docker-prune.service", "/etc/systemd/system/journal-vacuum.timer", "/etc/systemd/system/journal-vacuum.service"];
  const ENABLE = "systemctl enable --now docker-prune.timer journal-vacuum.timer";

  test("first boot: one user-data file per VM (count = vm_count), each VM boots its own, each holds the timers and enables them", () => {
    const userData = infra.proxmox_virtual_environment_file.dockhost_user_data;
    expect(userData.count).toBe("${var.vm_count}");
    expect(userData.source_raw.file_name).toBe("${local.vm_names[count.index]}-user-data.yaml");
    expect(infra.proxmox_virtual_environment_vm.dockhost.count).toBe("${var.vm_count}");
    expect(infra.proxmox_virtual_environment_vm.dockhost.initialization.user_data_file_id).toBe("${proxmox_virtual_environment_file.dockhost_user_data[count.index].id}");
    const config = parse(userData.source_raw.data.replace(/\$\{[^}]*\}/g, "x"));
    expect(config.write_files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(TIMERS));
    // The setup script, written by the same user-data and run by runcmd, enables the timers.
    const setup = config.write_files.find((f: { path: string }) => f.path === "/usr/local/sbin/dockhost-host-setup");
    const content = setup.encoding === "b64" ? Buffer.from(setup.content, "base64").toString() : setup.content;
    expect(content).toContain(ENABLE);
    expect(JSON.stringify(config.runcmd)).toContain("/usr/local/sbin/dockhost-host-setup");
  });

  test("day 2 (VMs that booted before a change): the host apply runs on every VM, its script writes the timers", () => {
    const apply = infra.null_resource.docker_host_apply;
    expect(apply.count).toBe("${var.ssh_provisioners_enabled ? var.vm_count : 0}");
    expect(apply.provisioner[0]["local-exec"].environment.DOCKHOST_TARGET).toContain("proxmox_virtual_environment_vm.dockhost[count.index]");
    const script = Buffer.from(apply.provisioner[0]["local-exec"].environment.DOCKHOST_APPLY_SCRIPT, "base64").toString();
    for (const timer of TIMERS) expect(script).toContain(`write_file ${timer} `);
  });
});

describeWithTerraform("terraform on the 3-node Swarm with per-node backups", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const c = cluster(MANAGERS, { target: { kind: "nfs", server: "nas.lan", export: "/volume1/backups" } });
    synthAll(c.l.app);
    ws = prepareWorkspace(path.join(c.l.app.outdir, "stacks"));
  });
  afterAll(() => ws.cleanup());

  test("the apps stack validates with zero diagnostics", async () => {
    const result = await ws.validate("dockhost-apps");
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test("it plans the four app services and a backup and a proxy per data node; apply then plan is clean", async () => {
    await ws.apply("dockhost-infra", { vars: REFERENCE_INFRA_VARS });
    const vars = { shop_db_password: "correct horse battery", notes_db_password: "another long password" };
    const plan = await ws.plan("dockhost-apps", { vars });
    if (!plan.ok) throw new Error(plan.error);
    const created = (plan.plan.resource_changes ?? []).filter((c: any) => c.type === "docker_service" && c.change.actions.includes("create")).map((c: any) => c.change.after.name);
    expect(created.sort()).toEqual(["backup-dockhost-2-socket_socket-proxy", "backup-dockhost-2_backup", "backup-dockhost-socket_socket-proxy", "backup-dockhost_backup", "notes_app", "notes_db", "shop_app", "shop_db"]);
    await ws.apply("dockhost-apps", { vars });
    const again = await ws.plan("dockhost-apps", { vars });
    if (!again.ok) throw new Error(again.error);
    expect(again.counts).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });
});
