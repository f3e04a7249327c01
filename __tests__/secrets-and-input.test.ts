/**
 * Nothing leaked, nothing unsafe accepted: the secret classifier on real-world variable names,
 * errors that never echo a secret, Secrets refused where they would be in plain sight, and the
 * free-form props that reach Proxmox, the shell or the host.
 */
import { ComposeStack } from "../constructs/compose-stack";
import { DockerHost } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm, DockhostVmProps } from "../constructs/dockhost-vm";
import { HostFirewall } from "../constructs/host-firewall";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { Secret } from "../constructs/secret";
import { VolumeBackup } from "../constructs/volume-backup";
import { looksSecret, secretInText } from "../lib/secret-names";
import { buildReferenceHomelab } from "../main";
import { GOOD, labWith, rowsOf } from "./policy/lab";
import { testApp } from "./support/synth";

/** Names seen in real compose files and images' docs whose values are secrets. */
const SECRET_NAMES = [
  "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "MARIADB_PASSWORD", "NEXTCLOUD_DBPASS", "SECRET_KEY_BASE", "MYSQL_PWD", "LDAP_BIND_PW", "ADMIN_PW",
  "GF_SECURITY_ADMIN_PASSWORD", "REDIS_PASSWORD", "AWS_SECRET_ACCESS_KEY", "API_KEY", "JWT_SECRET", "RAILS_MASTER_KEY", "CF_DNS_API_TOKEN",
  "SMTP_PASS", "DB_PASSWD", "WORDPRESS_DB_PASSWORD", "OIDC_CLIENT_SECRET", "GITEA__security__SECRET_KEY", "PAPERLESS_SECRET_KEY", "TS_AUTHKEY",
  "N8N_ENCRYPTION_KEY", "MEILI_MASTER_KEY", "VAULTWARDEN_ADMIN_TOKEN", "PGPASSWORD", "MINIO_ROOT_PASSWORD", "RESTIC_PASSWORD", "BORG_PASSPHRASE",
  "ADMIN_PASSWORD_HASH", "SESSION_SECRET", "dbPassword", "traefik.http.middlewares.auth.basicauth.users", "requirepass",
];
/** Names that look alike but hold no secret: paths to one, policies, lengths, users, switches' names. */
const NOT_SECRET_NAMES = [
  "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "SECRET_KEY_FILE", "PASSWORD_MIN_LENGTH", "PASSWORD_POLICY", "PASSWORD_RESET_ENABLED", "TOKEN_EXPIRY",
  "TOKEN_TTL", "PUBLIC_KEY", "SSH_PUBLIC_KEY", "KEY", "KEYBOARD", "PASSPORT", "BYPASS", "COMPASS", "PASSWORDLESS_LOGIN", "MYSQL_DATABASE", "DB_HOST", "TZ",
];

describe("looksSecret: the one classifier (lib/secret-names.ts)", () => {
  test.each(SECRET_NAMES)("%s with a value is secret", (name) => expect(looksSecret(name, "s3cr3t-Value")).toBe(true));
  test.each(NOT_SECRET_NAMES)("%s is not", (name) => expect(looksSecret(name, "s3cr3t-Value")).toBe(false));
  test.each([["MARIADB_RANDOM_ROOT_PASSWORD", "1"], ["ALLOW_EMPTY_PASSWORD", "yes"], ["DB_PASSWORD", ""], ["DB_URL", "postgres://app:${DB_PASSWORD}@db/app"]])("%s=%s is a switch, empty or a reference", (name, value) =>
    expect(looksSecret(name, value)).toBe(false));
  test.each([
    ["credentials in a URL, whatever the name", "S3_ENDPOINT", "https://AKIAEXAMPLE:wJalrXUtnFEMI@s3.lan"],
    ["a private key, whatever the name", "sshPublicKeys", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE="],
    ["an htpasswd line", "USERS", "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"],
  ])("%s", (_, name, value) => expect(looksSecret(name, value)).toBe(true));
  test.each([
    ["mysqladmin ping --password=hunter2", "password"], ["PGPASSWORD=abc psql -h db", "PGPASSWORD"], ["redis-server --requirepass foobared", "requirepass"],
    ["curl -f https://u:p4ss@host/health", "a URL with a password"], ["db:\n  password: hunter2\n", "password"], ['{"DB_PASSWORD":"x1"}', "DB_PASSWORD"],
  ])("secretInText(%j) names %s, never the value", (text, where) => expect(secretInText(text)).toBe(where));
  test.each(["pg_isready -U app -d app", 'psql -c "$PGPASSWORD"', "PASSWORD_FILE=/run/secrets/db", "wget -q --spider http://127.0.0.1/"])("secretInText(%j) finds nothing", (text) =>
    expect(secretInText(text)).toBeUndefined());
});

describe("DH-SECRET-LITERAL covers command, healthcheck, files and htpasswd labels", () => {
  test.each([
    ["command", { command: ["redis-server", "--requirepass", "foobared"] }, "command"],
    ["healthcheck", { healthcheck: { test: ["CMD", "mysqladmin", "ping", "--password=hunter2"] } }, "healthcheck.test"],
    ["files", { files: { "/etc/app.ini": "[db]\npassword = hunter2\n" } }, "files./etc/app.ini"],
    ["an htpasswd label", { labels: { "traefik.http.middlewares.auth.basicauth.users": "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/" } }, "labels.traefik.http.middlewares.auth.basicauth.users"],
    ["*_DBPASS in environment", { environment: { NEXTCLOUD_DBPASS: "hunter2" } }, "environment.NEXTCLOUD_DBPASS"],
  ])("%s", (_, extra, key) => {
    const rows = rowsOf(labWith({ svc: { ...GOOD, ...extra } }).app, "DH-SECRET-LITERAL").filter((r) => r.status === "non-compliant");
    expect(rows.map((r) => r.key)).toEqual([key]);
    expect(JSON.stringify(rows)).not.toMatch(/hunter2|foobared|H6uskkkW/);
  });
});

describe("errors never echo a value that may be secret", () => {
  test("a private key pasted where a public key belongs", () => {
    const infra = new DockhostStack(testApp(), "infra");
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
    expect(() => new DockhostVm(infra, "vm", { sshPublicKeys: [key] })).toThrow(/invalid sshPublicKeys\[0\] = <redacted>/);
  });

  test("credentials inside an S3 endpoint", () => {
    const h = buildReferenceHomelab(testApp());
    const engine = h.dockerHost.connect(new DockhostStack(h.app, "other-apps"));
    const [accessKeyId, secretAccessKey] = ["s3_key_id", "s3_secret"].map((id) => new Secret(h.apps, id));
    const make = () => new VolumeBackup(h.apps, "s3", { engine, stackName: "s3backup", target: { kind: "s3", bucket: "backups", endpoint: "https://AKIAEXAMPLE:wJalrXUtnFEMI@s3.lan", accessKeyId, secretAccessKey } });
    expect(make).toThrow(/invalid target.endpoint = <redacted>/);
    expect(make).not.toThrow(/wJalrXUtnFEMI/);
  });

  test("a proxmox endpoint with credentials never becomes a variable default", () => {
    const infra = new DockhostStack(testApp(), "infra");
    const make = () => new ProxmoxConnection(infra, "proxmox", { endpoint: "https://root@pam:hunter2@pve.lan:8006/" });
    expect(make).toThrow(/invalid proxmox_endpoint = <redacted>; a value without credentials/);
    expect(make).not.toThrow(/hunter2/);
  });
});

describe("Secrets stay out of plain sight, one per id", () => {
  test.each([
    ["a label", (s: Secret) => ({ labels: { token: s.value } }), "services.web.labels.token"],
    ["a command line", (s: Secret) => ({ command: ["app", `--token=${s.value}`] }), "services.web.command[1]"],
    ["a healthcheck", (s: Secret) => ({ healthcheck: { test: ["CMD", "check", s.value] } }), "services.web.healthcheck.test[2]"],
  ])("a Secret in %s is refused, pointing to *_FILE or env", (_, place, key) => {
    const h = buildReferenceHomelab(testApp());
    const secret = new Secret(h.apps, "api_token");
    expect(() => new ComposeStack(h.apps, "leaky", { engine: h.engine, services: { web: { ...GOOD, ...place(secret) } } })).toThrow(
      `dockhost-apps/leaky: invalid ${key} = <redacted>; no Secret here: labels, command lines and these settings are visible to anyone who can run docker inspect; give it in the service's secrets, as a *_FILE variable`,
    );
  });

  test("addLabels refuses a Secret too", () => {
    const h = buildReferenceHomelab(testApp());
    const secret = new Secret(h.apps, "label_token");
    expect(() => h.appStack.addLabels("web", { token: secret.value })).toThrow("invalid services.web.labels.token = <redacted>");
  });

  test("two Secrets with one id in different scopes are refused", () => {
    const app = testApp();
    new Secret(new DockhostStack(app, "a"), "db_password");
    expect(() => new Secret(new DockhostStack(app, "b"), "db_password")).toThrow('b/db_password: invalid id = "db_password"; a secret id not already used in the app (a/db_password has it)');
  });
});

describe("free-form props that reach Proxmox, the shell or the host", () => {
  const vm = (props: DockhostVmProps) => () => new DockhostVm(new DockhostStack(testApp(), "infra"), "vm", props);
  test.each<[string, DockhostVmProps, string]>([
    ["nodeName with a space", { nodeName: "pve 1" }, 'invalid nodeName = "pve 1"'],
    ["nodeName with shell characters", { nodeName: "pve;reboot" }, "invalid nodeName"],
    ["datastoreId with a space", { datastoreId: "local lvm" }, 'invalid datastoreId = "local lvm"'],
    ["snippetsDatastoreId with a slash", { snippetsDatastoreId: "../etc" }, "invalid snippetsDatastoreId"],
    ["a bridge with a space", { lan: { bridge: "vmbr0 up" } }, "invalid lan.bridge"],
  ])("%s", (_, props, message) => expect(vm(props)).toThrow(message));

  test("a container hostname over 63 characters", () => {
    const h = buildReferenceHomelab(testApp());
    expect(() => new ComposeStack(h.apps, "long", { engine: h.engine, services: { web: { ...GOOD, hostname: "a".repeat(64) } } })).toThrow("invalid services.web.hostname");
  });
});

describe("policy: trust switched off", () => {
  test("DH-KNOWN-HOSTS: knownHostsFile /dev/null", () => {
    const app = testApp();
    const infra = new DockhostStack(app, "infra");
    new ProxmoxConnection(infra, "proxmox");
    new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost"), knownHostsFile: "/dev/null" });
    expect(rowsOf(app, "DH-KNOWN-HOSTS")).toEqual([expect.objectContaining({ status: "non-compliant", key: "knownHostsFile" })]);
    expect(() => app.synth()).toThrow(/\[DH-KNOWN-HOSTS\] infra\/docker: knownHostsFile: \/dev\/null records no host key/);
  });

  test("DH-ADMIN-CIDR: SSH open to 0.0.0.0/0; the LAN is compliant", () => {
    const app = testApp();
    const infra = new DockhostStack(app, "infra");
    new ProxmoxConnection(infra, "proxmox");
    const vm = new DockhostVm(infra, "dockhost");
    new HostFirewall(infra, "firewall", { vm, adminCidrs: ["192.168.1.0/24", "0.0.0.0/0"] });
    expect(rowsOf(app, "DH-ADMIN-CIDR")).toEqual([expect.objectContaining({ status: "non-compliant", key: "adminCidrs[1]", message: "0.0.0.0/0 opens SSH to the world; list the machines that administer the VM (your LAN, or a /32)" })]);
    expect(rowsOf(labWith({}).app, "DH-ADMIN-CIDR")).toEqual([expect.objectContaining({ status: "compliant" })]);
  });
});
