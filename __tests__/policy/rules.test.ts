import * as fs from "fs";
import * as path from "path";
import { ComposeServiceProps, ComposeStack } from "../../constructs/compose-stack";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostApp } from "../../constructs/dockhost-app";
import { DockhostStack } from "../../constructs/dockhost-stack";
import { DockhostVm } from "../../constructs/dockhost-vm";
import { ProxmoxConnection } from "../../constructs/proxmox-connection";
import { evaluateHomelab } from "../../constructs/policy-model";
import { suppress } from "../../lib/policy/suppressions";
import { buildReferenceHomelab } from "../../main";
import { tempDir, testApp } from "../support/synth";
import { GOOD, labWith, rowsOf } from "./lab";

const PATH = "dockhost-apps/test/service-svc";

/** Per service rule: a compliant service, a non-compliant one, and the key the finding names. */
const SERVICE_RULES: Array<[string, ComposeServiceProps, ComposeServiceProps, string]> = [
  ["DH-PRIVILEGED", GOOD, { ...GOOD, privileged: true }, "privileged"],
  ["DH-DOCKER-SOCKET", { ...GOOD, volumes: [{ hostPath: "/srv/data", target: "/data" }] }, { ...GOOD, volumes: [{ hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }] }, "volumes[0]"],
  ["DH-HOST-PATH-RW", { ...GOOD, volumes: [{ hostPath: "/etc/localtime", target: "/etc/localtime", readOnly: true }] }, { ...GOOD, volumes: [{ hostPath: "/etc", target: "/host-etc" }] }, "volumes[0]"],
  ["DH-HOST-NAMESPACE", GOOD, { ...GOOD, pid: "host" }, "pid"],
  ["DH-SECRET-LITERAL", { ...GOOD, environment: { LOG_LEVEL: "info", DB_PASSWORD_FILE: "/run/secrets/db", MARIADB_RANDOM_ROOT_PASSWORD: "1", BYPASS: "x", DATABASE_URL: "postgres://app@db/app" } }, { ...GOOD, environment: { DB_PASSWORD: "hunter2-very-secret" } }, "environment.DB_PASSWORD"],
  ["DH-IMAGE-TAG", GOOD, { ...GOOD, image: "nginx:latest" }, "image"],
  ["DH-PUBLISHED-SENSITIVE-PORT", { ...GOOD, image: "postgres:16.4", ports: [{ hostIp: "127.0.0.1", hostPort: 5432, containerPort: 5432 }] }, { ...GOOD, image: "postgres:16.4", ports: [{ hostPort: 5432, containerPort: 5432 }] }, "ports[0]"],
  ["DH-CAPABILITIES", { ...GOOD, capAdd: ["CHOWN"] }, { ...GOOD, capAdd: ["SYS_ADMIN"] }, "capAdd[0]"],
  ["DH-MEMORY-LIMIT", GOOD, { ...GOOD, memoryLimitMb: undefined }, "memoryLimitMb"],
  ["DH-RESTART-POLICY", GOOD, { ...GOOD, restart: "no" }, "restart"],
  ["DH-NO-NEW-PRIVILEGES", GOOD, { ...GOOD, securityOpt: [] }, "securityOpt"],
  ["DH-LOG-ROTATION", { ...GOOD, logging: { driver: "json-file", options: { "max-size": "5m" } } }, { ...GOOD, logging: { driver: "json-file", options: { "max-file": "5" } } }, "logging.options"],
];

describe.each(SERVICE_RULES)("%s", (ruleId, good, bad, key) => {
  test("compliant", () => {
    const { app } = labWith({ svc: good });
    expect(rowsOf(app, ruleId).filter((r) => r.path === PATH)).toEqual([expect.objectContaining({ status: "compliant" })]);
  });

  test("non-compliant, naming the key", () => {
    const { app } = labWith({ svc: bad });
    const rows = rowsOf(app, ruleId).filter((r) => r.path === PATH);
    expect(rows).toEqual([expect.objectContaining({ status: "non-compliant", key, stack: "dockhost-apps" })]);
    expect(rows[0].message).not.toContain("hunter2");
  });

  test("suppressed with a reason", () => {
    const { app, test } = labWith({ svc: bad });
    suppress(test.service("svc").container, ruleId, "accepted for this test service, see the runbook");
    expect(rowsOf(app, ruleId).filter((r) => r.path === PATH)).toEqual([
      expect.objectContaining({ status: "suppressed", reason: "accepted for this test service, see the runbook" }),
    ]);
  });
});

describe("rules with context", () => {
  test("DH-IMAGE-TAG is an error for databases, a warning otherwise; untagged counts as latest", () => {
    const { app } = labWith({ svc: { ...GOOD, image: "postgres" }, web: { ...GOOD, image: "nginx" } });
    const rows = rowsOf(app, "DH-IMAGE-TAG").filter((r) => r.status === "non-compliant");
    expect(rows.map((r) => [r.path, r.level])).toEqual([
      [PATH, "error"],
      ["dockhost-apps/test/service-web", "warning"],
    ]);
  });

  test("DH-HEALTHCHECK-WAITED: compliant, non-compliant, not applicable, suppressed", () => {
    const waited = { db: { ...GOOD, image: "postgres:16.4" }, svc: { ...GOOD, dependsOn: { db: "service_healthy" as const } } };
    let lab = labWith(waited);
    const row = (path: string) => rowsOf(lab.app, "DH-HEALTHCHECK-WAITED").find((r) => r.path === path);
    expect(row("dockhost-apps/test/service-db")).toMatchObject({ status: "non-compliant", key: "healthcheck" });
    expect(row(PATH)).toMatchObject({ status: "not-applicable" });
    suppress(lab.test.service("db").container, "DH-HEALTHCHECK-WAITED", "the postgres image ships its own HEALTHCHECK");
    expect(row("dockhost-apps/test/service-db")).toMatchObject({ status: "suppressed" });
    lab = labWith({ ...waited, db: { ...waited.db, healthcheck: { test: ["CMD", "pg_isready"] } } });
    expect(row("dockhost-apps/test/service-db")).toMatchObject({ status: "compliant" });
  });

  test("DH-RESTART-POLICY: on-failure needs a bound; one-shot jobs are not applicable", () => {
    const { app } = labWith({ svc: { ...GOOD, restart: "on-failure" }, job: { ...GOOD, restart: "no" }, web: { ...GOOD, dependsOn: { job: "service_completed_successfully" } }, bounded: { ...GOOD, restart: { policy: "on-failure", maxRetries: 5 } } });
    const status = Object.fromEntries(rowsOf(app, "DH-RESTART-POLICY").map((r) => [r.path.split("-").pop(), r.status]));
    expect(status).toMatchObject({ svc: "non-compliant", job: "not-applicable", bounded: "compliant" });
  });

  test("DH-AUTO-UPDATE-DATABASE: Watchtower updating everything must not reach a database", () => {
    const watchtower = { ...GOOD, image: "containrrr/watchtower:1.7.1" };
    const db = { ...GOOD, image: "postgres:16.4" };
    let lab = labWith({ watchtower, svc: db });
    const row = () => rowsOf(lab.app, "DH-AUTO-UPDATE-DATABASE").find((r) => r.path === PATH);
    expect(row()).toMatchObject({ status: "non-compliant", key: "labels.com.centurylinklabs.watchtower.enable" });
    suppress(lab.test.service("svc").container, "DH-AUTO-UPDATE-DATABASE", "a throwaway database, rebuilt nightly");
    expect(row()).toMatchObject({ status: "suppressed" });
    lab = labWith({ watchtower, svc: { ...db, labels: { "com.centurylinklabs.watchtower.enable": "false" } } });
    expect(row()).toMatchObject({ status: "compliant" });
    lab = labWith({ svc: db });
    expect(row()).toMatchObject({ status: "not-applicable" });
  });

  test("DH-PUBLISHED-SENSITIVE-PORT flags metrics and admin ports on every interface too", () => {
    const { app } = labWith({
      svc: { ...GOOD, image: "prom/node-exporter:v1.8.2", ports: [{ hostPort: 9100, containerPort: 9100 }] },
      ui: { ...GOOD, image: "portainer/portainer-ce:2.21.4", ports: [{ hostIp: "0.0.0.0", hostPort: 9443, containerPort: 9443 }] },
    });
    expect(rowsOf(app, "DH-PUBLISHED-SENSITIVE-PORT").filter((r) => r.status === "non-compliant").map((r) => `${r.path.split("/").pop()} ${r.key}`)).toEqual(["service-svc ports[0]", "service-ui ports[0]"]);
  });

  test("DH-PUBLISHED-SENSITIVE-PORT judges by image and container port: an app's own UI on 9000 or 9090 passes", () => {
    const { app } = labWith({
      app: { ...GOOD, image: "ghcr.io/example/notes:1.2.3", ports: [{ hostPort: 9000, containerPort: 9000 }, { hostPort: 9090, containerPort: 9090 }] },
      db: { ...GOOD, image: "docker.io/library/postgres:16.4", ports: [{ hostPort: 15432, containerPort: 5432 }] },
    });
    const rows = rowsOf(app, "DH-PUBLISHED-SENSITIVE-PORT").filter((r) => r.status === "non-compliant");
    expect(rows.map((r) => `${r.path.split("/").pop()} ${r.key}`)).toEqual(["service-db ports[0]"]);
    expect(rows[0].message).toContain("PostgreSQL (docker.io/library/postgres:16.4, 5432/tcp)");
  });
});

describe("host rules", () => {
  test("DH-SSH-HOST-KEY: compliant by default; non-compliant and suppressible when checking is off", () => {
    const lab = buildReferenceHomelab(testApp());
    const engine = lab.engine;
    const row = () => rowsOf(lab.app as never, "DH-SSH-HOST-KEY")[0];
    expect(row()).toMatchObject({ status: "compliant", path: "dockhost-apps/docker-dockhost" });
    (engine as unknown as { sshOptions: string[] }).sshOptions = ["-o", "StrictHostKeyChecking=no"];
    expect(row()).toMatchObject({ status: "non-compliant", key: "sshOptions[1]" });
    suppress(engine, "DH-SSH-HOST-KEY", "lab VM on an isolated bench network");
    expect(row()).toMatchObject({ status: "suppressed" });
  });

  test("DH-ADDRESS-POOLS: compliant; non-compliant when a pool overlaps the LAN; suppressible", () => {
    const lab = buildReferenceHomelab(testApp());
    const row = () => rowsOf(lab.app as never, "DH-ADDRESS-POOLS")[0];
    expect(row()).toMatchObject({ status: "compliant" });
    (lab.dockerHost as unknown as { addressPools: unknown }).addressPools = [{ base: "192.168.0.0/16", size: 24 }];
    expect(row()).toMatchObject({ status: "non-compliant", key: "addressPools[0]" });
    suppress(lab.dockerHost, "DH-ADDRESS-POOLS", "the LAN is being renumbered next week");
    expect(row()).toMatchObject({ status: "suppressed" });
  });

  test("DH-PROXMOX-PASSWORD: variables are compliant; a literal is not, and the value is never echoed", () => {
    const lab = buildReferenceHomelab(testApp());
    const connection = lab.infra.node.findChild("proxmox") as never as { provider: { password?: string } };
    const row = () => rowsOf(lab.app as never, "DH-PROXMOX-PASSWORD")[0];
    expect(row()).toMatchObject({ status: "compliant" });
    connection.provider.password = "pve-root-password";
    expect(row()).toMatchObject({ status: "non-compliant", key: "password" });
    expect(JSON.stringify(row())).not.toContain("pve-root-password");
    suppress(connection as never, "DH-PROXMOX-PASSWORD", "throwaway nested Proxmox used for tests");
    expect(row()).toMatchObject({ status: "suppressed" });
  });

  test("DH-GUEST-AGENT: compliant with qemu-guest-agent installed; non-compliant without", () => {
    const lab = buildReferenceHomelab(testApp());
    const row = () => rowsOf(lab.app as never, "DH-GUEST-AGENT")[0];
    expect(row()).toMatchObject({ status: "compliant", path: "dockhost-infra/dockhost" });
    jest.spyOn(lab.vm.cloudConfig, "packageList", "get").mockReturnValue([]);
    expect(row()).toMatchObject({ status: "non-compliant", key: "agent.enabled" });
    suppress(lab.vm, "DH-GUEST-AGENT", "the template image bakes the agent in already");
    expect(row()).toMatchObject({ status: "suppressed" });
  });
});

describe("volume rules", () => {
  /** A homelab with one app stack on its own engine, with or without a VolumeBackup. */
  function volumeLab(volumes: Record<string, { backup?: boolean; noBackupReason?: string }>, outdir?: string) {
    const app = new DockhostApp({ outdir: outdir ?? tempDir("vol"), stackTraces: false });
    const infra = new DockhostStack(app, "infra");
    new ProxmoxConnection(infra, "proxmox");
    const host = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost") });
    const apps = new DockhostStack(app, "apps");
    const engine = host.connect(apps);
    const services = { svc: { ...GOOD, volumes: Object.keys(volumes).map((volume) => ({ volume, target: `/${volume}` })) } };
    const stack = new ComposeStack(apps, "shop", { engine, volumes, services });
    return { app, apps, engine, stack };
  }
  const row = (app: DockhostApp, path: string) => rowsOf(app, "DH-VOLUME-BACKUP").find((r) => r.path === path);

  test("DH-VOLUME-BACKUP: covered by a VolumeBackup is compliant (the reference homelab's database)", () => {
    const { app } = labWith({});
    expect(row(app, "dockhost-apps/app/stack/volume-db-data")).toMatchObject({ status: "compliant" });
  });

  test("DH-VOLUME-BACKUP: marked for backup with no VolumeBackup on the VM is an error; a reasoned opt-out shows as suppressed", () => {
    const { app } = volumeLab({ data: {}, cache: { backup: false, noBackupReason: "rebuilt from the database at start" }, scratch: { backup: false } });
    expect(row(app, "apps/shop/volume-data")).toMatchObject({ status: "non-compliant", key: "backup", message: "shop_data is marked for backup, but no VolumeBackup runs on dockhost; add a VolumeBackup on its engine, or opt out with backup: false and a noBackupReason" });
    expect(row(app, "apps/shop/volume-cache")).toMatchObject({ status: "suppressed", reason: "rebuilt from the database at start" });
    expect(row(app, "apps/shop/volume-scratch")).toMatchObject({ status: "non-compliant", message: expect.stringContaining("say why in noBackupReason") });
  });

  test("DH-VOLUME-RENAME: a volume the ledger holds that no stack mounts fails a synth from a fresh folder, until it is retired", () => {
    const ledgerFile = path.join(tempDir("ledger"), "dockhost.ledger.json");
    const lab = (id: string, retire = false) => {
      const app = new DockhostApp({ outdir: tempDir("rename"), stackTraces: false, ledgerFile });
      const infra = new DockhostStack(app, "infra");
      new ProxmoxConnection(infra, "proxmox");
      const host = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost") });
      const apps = new DockhostStack(app, "apps");
      new ComposeStack(apps, id, { engine: host.connect(apps), volumes: { data: { backup: false, noBackupReason: "test data, nothing to keep" } }, services: { svc: { ...GOOD, volumes: [{ volume: "data", target: "/data" }] } } });
      if (retire) apps.retireVolume("shop_data", "the shop is closed, its data archived elsewhere");
      return app;
    };
    lab("shop").synth();
    expect(JSON.parse(fs.readFileSync(ledgerFile, "utf8")).volumes).toEqual({ apps: ["shop_data"] });
    const renamed = lab("store");
    expect(() => renamed.synth()).toThrow(/\[DH-VOLUME-RENAME\] apps: volume shop_data: volume shop_data is in the ledger, but no ComposeStack of apps mounts it now/);
    expect(fs.existsSync(path.join(renamed.outdir, "stacks", "apps", "cdk.tf.json"))).toBe(false);
    expect(() => lab("store", true).synth()).not.toThrow();
    expect(JSON.parse(fs.readFileSync(ledgerFile, "utf8")).volumes).toEqual({ apps: ["store_data"] });
  });
});

describe("capacity rules", () => {
  test.each([
    ["DH-CAPACITY-MEMORY", { ...GOOD, memoryLimitMb: 12_000 }],
    ["DH-CAPACITY-DISK", { ...GOOD, volumes: [{ volume: "big", target: "/big" }] }],
    ["DH-CAPACITY-CPU", { ...GOOD, cpus: 4 }],
  ])("%s: compliant by default, an error above 100 %%, suppressible with a reason", (ruleId, bad) => {
    const row = (app: DockhostApp) => evaluateHomelab(app).rows.find((r) => r.ruleId === ruleId);
    expect(row(labWith({ svc: GOOD }).app)).toBeUndefined();
    const lab = labWith({ svc: bad }, { volumes: { big: { sizeBudgetGb: 40 } } });
    expect(row(lab.app)).toMatchObject({ status: "non-compliant", level: "error", path: "dockhost-apps/docker-dockhost" });
    suppress(lab.engine, ruleId, "over-committed on purpose: these limits are ceilings, not reservations");
    expect(row(lab.app)).toMatchObject({ status: "suppressed" });
  });
});

