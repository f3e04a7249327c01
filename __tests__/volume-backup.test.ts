import { ComposeStack } from "../constructs/compose-stack";
import { Secret } from "../constructs/secret";
import { VolumeBackup, VolumeBackupProps } from "../constructs/volume-backup";
import { buildReferenceHomelab } from "../main";
import { conformanceProblems } from "./support/schema-conformance";
import { StackJson, synthStack, testApp } from "./support/synth";
import { runValidator } from "./support/validators";
import { needs } from "./support/requirements";

const DOCKER = "registry.terraform.io/kreuzwerker/docker";

function labels(container: any): Record<string, string> {
  return Object.fromEntries((container.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]));
}

describe("reference homelab: nightly volume backups", () => {
  const homelab = buildReferenceHomelab(testApp());
  const json = synthStack(homelab.apps);
  const containers = json.resource.docker_container;
  const backup = containers["backup_backup"];

  test("offen/docker-volume-backup, pinned, nightly at 03:00, 7 days kept, to /var/backups/dockhost on the VM", () => {
    expect(json.resource.docker_image).toEqual(expect.objectContaining({ "docker-dockhost_offen_docker-volume-backup_v2_48_2": expect.objectContaining({ name: "offen/docker-volume-backup:v2.48.2" }) }));
    expect(backup.env).toEqual(expect.arrayContaining([
      "BACKUP_CRON_EXPRESSION=0 3 * * *",
      "BACKUP_RETENTION_DAYS=7",
      "BACKUP_FILENAME=dockhost-%Y-%m-%dT%H-%M-%S.tar.gz",
      "BACKUP_PRUNING_PREFIX=dockhost-",
    ]));
    expect(backup.volumes[0]).toEqual({ host_path: "/var/backups/dockhost", container_path: "/archive" });
  });

  test("every stateful volume of the homelab is backed up or explicitly opted out, with a reason", () => {
    const stacks = homelab.app.node.findAll().filter((c): c is ComposeStack => c instanceof ComposeStack);
    const covered = homelab.volumeBackup.coveredVolumes().map((v) => v.name);
    const volumes = stacks.flatMap((s) => s.volumeList()).filter((v) => !v.external);
    expect(volumes.map((v) => v.name)).toEqual(expect.arrayContaining(["app_db-data", "app_cache-data", "proxy_letsencrypt"]));
    for (const volume of volumes) {
      if (volume.backup) expect(covered).toContain(volume.name);
      else expect(volume.noBackupReason).toEqual(expect.any(String));
    }
    expect(covered).not.toContain("app_cache-data");
    // Mounted read-only into the backup container, each under /backup/<volume>, by reference.
    expect(backup.volumes).toContainEqual({ volume_name: "app_db-data", container_path: "/backup/app_db-data", read_only: true });
    expect(backup.volumes).toContainEqual({ volume_name: "proxy_letsencrypt", container_path: "/backup/proxy_letsencrypt", read_only: true });
    expect(backup.volumes.map((v: any) => v.container_path)).not.toContain("/backup/app_cache-data");
  });

  test("PostgreSQL dumps itself into its volume before the archive, as the postgres user, atomically", () => {
    const db = labels(containers["app_db"]);
    expect(db["docker-volume-backup.archive-pre"]).toBe(
      "/bin/sh -c 'pg_dumpall --clean --if-exists -U \"$POSTGRES_USER\" > /var/lib/postgresql/data/dockhost-dump.sql.partial" +
        " && mv /var/lib/postgresql/data/dockhost-dump.sql.partial /var/lib/postgresql/data/dockhost-dump.sql'",
    );
    expect(db["docker-volume-backup.archive-pre.user"]).toBe("postgres");
    expect(db["docker-volume-backup.exec-label"]).toBe("backup");
    expect(backup.env).toContain("EXEC_LABEL=backup");
  });

  test("containers writing to a backed-up volume are stopped during the archive, others are not", () => {
    expect(labels(containers["app_db"])["docker-volume-backup.stop-during-backup"]).toBe("backup");
    expect(labels(containers["proxy_traefik"])["docker-volume-backup.stop-during-backup"]).toBe("backup");
    expect(labels(containers["app_cache"])["docker-volume-backup.stop-during-backup"]).toBeUndefined();
    expect(labels(containers["app_api"])["docker-volume-backup.stop-during-backup"]).toBeUndefined();
    expect(backup.env).toContain("BACKUP_STOP_DURING_BACKUP_LABEL=backup");
  });

  test("Docker through a socket proxy with only the endpoints needed, never docker.sock itself", () => {
    expect(backup.env).toContain("DOCKER_HOST=tcp://socket-proxy:2375");
    expect(backup.volumes.map((v: any) => v.host_path)).not.toContain("/var/run/docker.sock");
    const proxy = containers["backup-socket_socket-proxy"];
    expect(proxy.env).toEqual(["ALLOW_START=1", "ALLOW_STOP=1", "CONTAINERS=1", "EVENTS=0", "EXEC=1", "INFO=1", "PING=1", "POST=1", "VERSION=1"]);
    expect(json.resource.docker_network["backup-socket_network"]).toMatchObject({ internal: true });
    expect(backup.networks_advanced).toContainEqual({ name: "${docker_network.backup-socket_network.name}", aliases: ["backup"] });
  });

  test("the apps stack conforms to the docker provider's schema", () => {
    expect(conformanceProblems(json, DOCKER, "docker_")).toEqual([]);
  });

  needs("shellcheck").test("restore commands name the volume, the archive folder and the containers, and pass shellcheck", () => {
    const commands = homelab.volumeBackup.restoreCommands(homelab.appStack, "db-data");
    expect(commands).toEqual(expect.arrayContaining([
      'for f in /var/backups/dockhost/dockhost-*.tar.gz; do ARCHIVE="$f"; done',
      "docker stop app-db",
      "VOLUME_DIR=$(docker volume inspect --format '{{ .Mountpoint }}' app_db-data)",
      'tar -xzf "$ARCHIVE" -C "$VOLUME_DIR" --strip-components=2 /backup/app_db-data',
      "docker start app-db",
    ]));
    const result = runValidator("shellcheck", (file) => ["-s", "sh", file], `${commands.join("\n")}\n`);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
    expect(() => homelab.volumeBackup.restoreCommands(homelab.appStack, "cache-data")).toThrow(
      /^dockhost-apps\/backup: invalid restoreCommands\.volume = "app\/cache-data"; a volume this backup covers: proxy\/letsencrypt, monitoring\/grafana-data, app\/db-data/,
    );
  });
});

describe("VolumeBackup targets and databases", () => {
  function lab(props: Omit<VolumeBackupProps, "engine"> = {}) {
    const homelab = buildReferenceHomelab(testApp());
    return { ...homelab, extra: new VolumeBackup(homelab.apps, "nas-backup", { engine: otherEngine(homelab), ...props }) };
  }
  /** A second VM's engine, so that a second VolumeBackup is allowed. */
  function otherEngine(homelab: ReturnType<typeof buildReferenceHomelab>) {
    return homelab.dockerHost.connect(homelab.apps, { vmIndex: 0, id: "docker-second" });
  }

  test("NFS: a docker volume of the export, mounted at /archive; restore reads its mount point", () => {
    const { apps, extra } = lab({ target: { kind: "nfs", server: "nas.lan", export: "/volume1/backups" }, stackName: "nas-backup" });
    const notes = new ComposeStack(apps, "notes", { engine: extra.engine, volumes: { data: {} }, services: { app: { image: "nginx:1.27.3-alpine", volumes: [{ volume: "data", target: "/data" }] } } });
    const json: StackJson = synthStack(apps);
    expect(json.resource.docker_volume["nas-backup_archive"]).toMatchObject({
      name: "nas-backup_archive",
      driver: "local",
      driver_opts: { type: "nfs", o: "addr=nas.lan,nfsvers=4.1,rw", device: ":/volume1/backups" },
    });
    expect(json.resource.docker_container["nas-backup_backup"].volumes[0]).toEqual({ volume_name: "${docker_volume.nas-backup_archive.name}", container_path: "/archive" });
    expect(conformanceProblems(json, DOCKER, "docker_")).toEqual([]);
    expect(extra.coveredVolumes().map((v) => v.name)).toEqual(["notes_data"]);
    expect(extra.restoreCommands(notes, "data")).toEqual(expect.arrayContaining([
      "ARCHIVE_DIR=$(docker volume inspect --format '{{ .Mountpoint }}' nas-backup_archive)",
      'for f in "$ARCHIVE_DIR"/dockhost-*.tar.gz; do ARCHIVE="$f"; done',
    ]));
  });

  test("S3: bucket settings in the environment, credentials as files from sensitive variables, never in the JSON", () => {
    const homelab = buildReferenceHomelab(testApp());
    const accessKeyId = new Secret(homelab.apps, "backup_s3_access_key_id");
    const secretAccessKey = new Secret(homelab.apps, "backup_s3_secret_access_key");
    new VolumeBackup(homelab.apps, "s3-backup", {
      engine: otherEngine(homelab),
      stackName: "s3-backup",
      target: { kind: "s3", bucket: "homelab-backups", endpoint: "minio.lan:9000", path: "dockhost", accessKeyId, secretAccessKey },
    });
    const json = synthStack(homelab.apps);
    const container = json.resource.docker_container["s3-backup_backup"];
    expect(container.env).toEqual(expect.arrayContaining([
      "AWS_S3_BUCKET_NAME=homelab-backups",
      "AWS_ENDPOINT=minio.lan:9000",
      "AWS_S3_PATH=dockhost",
      "AWS_ACCESS_KEY_ID_FILE=/run/secrets/backup_s3_access_key_id",
      "AWS_SECRET_ACCESS_KEY_FILE=/run/secrets/backup_s3_secret_access_key",
    ]));
    expect(container.upload).toContainEqual({ file: "/run/secrets/backup_s3_secret_access_key", content: "${var.backup_s3_secret_access_key}", permissions: "0444" });
    expect(json.variable.backup_s3_secret_access_key).toMatchObject({ sensitive: true });
    expect(container.volumes.map((v: any) => v.container_path)).not.toContain("/archive");
  });

  test("MariaDB dumps with the root password from its secret file", () => {
    const homelab = buildReferenceHomelab(testApp());
    const root = new Secret(homelab.apps, "wiki_db_root_password");
    new ComposeStack(homelab.apps, "wiki", {
      engine: homelab.engine,
      volumes: { db: {} },
      services: { db: { image: "mariadb:11.4.4", secrets: { MARIADB_ROOT_PASSWORD_FILE: root }, volumes: [{ volume: "db", target: "/var/lib/mysql" }] } },
    });
    const db = labels(synthStack(homelab.apps).resource.docker_container["wiki_db"]);
    expect(db["docker-volume-backup.archive-pre"]).toBe(
      "/bin/sh -c 'MYSQL_PWD=\"$(cat \"$MARIADB_ROOT_PASSWORD_FILE\")\" mariadb-dump -uroot --all-databases --single-transaction --routines --events" +
        " > /var/lib/mysql/dockhost-dump.sql.partial && mv /var/lib/mysql/dockhost-dump.sql.partial /var/lib/mysql/dockhost-dump.sql'",
    );
    expect(db["docker-volume-backup.archive-pre.user"]).toBe("mysql");
  });

  test("a MariaDB service the dump cannot log into fails the synth, naming the stack and the service", () => {
    const homelab = buildReferenceHomelab(testApp());
    new ComposeStack(homelab.apps, "wiki", {
      engine: homelab.engine,
      volumes: { db: {} },
      services: { db: { image: "mariadb:11.4.4", environment: { MARIADB_RANDOM_ROOT_PASSWORD: "1" }, volumes: [{ volume: "db", target: "/var/lib/mysql" }] } },
    });
    expect(() => synthStack(homelab.apps)).toThrow(/^dockhost-apps\/wiki: invalid services\.db\.secrets = \["MARIADB_RANDOM_ROOT_PASSWORD"\]; a MariaDB service with MARIADB_ROOT_PASSWORD_FILE/);
  });

  test.each<[string, Omit<VolumeBackupProps, "engine">, RegExp]>([
    ["an invalid schedule", { schedule: "every night" }, /^dockhost-apps\/nas-backup: invalid schedule = "every night"; expected a cron expression/],
    ["an hour past 23", { schedule: "0 24 * * *" }, /invalid schedule = "0 24 \* \* \*"/],
    ["retention of zero days", { retentionDays: 0 }, /^dockhost-apps\/nas-backup: invalid retentionDays = 0; expected a whole number from 1 to 3650/],
    ["an S3 target with no credentials", { target: { kind: "s3", bucket: "homelab-backups" } as never }, /invalid target\.accessKeyId = \(missing\); expected a Secret/],
    ["an S3 credential as a plain string", { target: { kind: "s3", bucket: "homelab-backups", accessKeyId: "AKIA-leaked", secretAccessKey: "leaked" } as never }, /invalid target\.accessKeyId = <redacted>; expected a Secret/],
    ["an invalid bucket", { target: { kind: "s3", bucket: "Homelab_Backups" } as never }, /invalid target\.bucket = "Homelab_Backups"/],
    ["a relative local path", { target: { kind: "local", path: "backups" } }, /invalid target\.path = "backups"/],
    ["an NFS server that is neither an address nor a host name", { target: { kind: "nfs", server: "nas lan", export: "/backups" } }, /invalid target\.server = "nas lan"/],
    ["an NFS export without its path", { target: { kind: "nfs", server: "192.168.1.5", export: "" } }, /invalid target\.export = ""/],
  ])("refuses %s", (_, props, message) => {
    expect(() => lab(props)).toThrow(message);
  });

  test("refuses a second VolumeBackup on the same engine", () => {
    const homelab = buildReferenceHomelab(testApp());
    expect(() => new VolumeBackup(homelab.apps, "again", { engine: homelab.engine, stackName: "again" })).toThrow(
      /^dockhost-apps\/again: invalid engine = "dockhost"; an engine without a VolumeBackup \(dockhost-apps\/backup backs it up already\)/,
    );
  });

  test("VolumeBackup.onEngine finds it, for the policy pack", () => {
    const homelab = buildReferenceHomelab(testApp());
    expect(VolumeBackup.onEngine(homelab.engine)).toBe(homelab.volumeBackup);
  });
});
