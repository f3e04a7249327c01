/**
 * Sentinel test: every secret-bearing input set to a unique sentinel, then every output searched
 * for it. Inputs refused at synth (a literal secret where a Secret belongs, a private key for a
 * public one, credentials in URLs) must not echo it in the error or the policy report; accepted
 * ones (Secrets, sensitive variables) must appear in no synthesized file, and not in terraform's
 * plan or apply output either (stand-in providers, real terraform).
 */
import * as fs from "fs";
import * as path from "path";
import { ComposeStack } from "../constructs/compose-stack";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { Secret } from "../constructs/secret";
import { VolumeBackup } from "../constructs/volume-backup";
import { buildReferenceHomelab } from "../main";
import { GOOD } from "./policy/lab";
import { REFERENCE_APPS_VARS, testApp, TEST_SSH_KEY } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";

let counter = 0;
/** A unique value that nothing else could contain. */
const sentinel = (what: string) => `Sntl${++counter}x${what.replace(/[^A-Za-z0-9]/g, "")}Q9zPadded0000`;

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath ?? (e as any).path, e.name), "utf8"))
    .join("\n");
}

/** The message of what `make` throws (it must throw). */
function errorOf(make: () => unknown): string {
  try {
    make();
  } catch (e) {
    return `${(e as Error).message}\n${(e as Error).stack ?? ""}`;
  }
  throw new Error("expected an error");
}

describe("refused inputs never echo the secret", () => {
  const cases: Array<[string, (value: string) => () => unknown]> = [
    ["a private key as a public key", (v) => () => new DockhostVm(new DockhostStack(testApp(), "i"), "vm", { sshPublicKeys: [`-----BEGIN OPENSSH PRIVATE KEY-----\n${v}\n-----END OPENSSH PRIVATE KEY-----`] })],
    ["credentials in the proxmox endpoint", (v) => () => new ProxmoxConnection(new DockhostStack(testApp(), "i"), "p", { endpoint: `https://root@pam:${v}@pve.lan:8006/` })],
    ["credentials in an S3 endpoint", (v) => () => {
      const h = buildReferenceHomelab(testApp());
      const engine = h.dockerHost.connect(new DockhostStack(h.app, "more"));
      return new VolumeBackup(h.apps, "s3", { engine, stackName: "s3b", target: { kind: "s3", bucket: "backups", endpoint: `https://key:${v}@s3.lan`, accessKeyId: new Secret(h.apps, "k"), secretAccessKey: new Secret(h.apps, "s") } });
    }],
    ["a Secret in a label", () => () => {
      const h = buildReferenceHomelab(testApp());
      return new ComposeStack(h.apps, "x", { engine: h.engine, services: { web: { ...GOOD, labels: { t: new Secret(h.apps, "t").value } } } });
    }],
  ];
  test.each(cases)("%s", (what, make) => {
    const value = sentinel(what);
    expect(errorOf(make(value))).not.toContain(value);
  });

  test.each<[string, (v: string) => object]>([
    ["*_DBPASS", (v) => ({ environment: { NEXTCLOUD_DBPASS: v } })],
    ["SECRET_KEY_BASE", (v) => ({ environment: { SECRET_KEY_BASE: v } })],
    ["MYSQL_PWD", (v) => ({ environment: { MYSQL_PWD: v } })],
    ["*_PW", (v) => ({ environment: { LDAP_BIND_PW: v } })],
    ["a password in command", (v) => ({ command: ["redis-server", "--requirepass", v] })],
    ["a password in a healthcheck", (v) => ({ healthcheck: { test: ["CMD", "mysqladmin", "ping", `--password=${v}`] } })],
    ["a password in files", (v) => ({ files: { "/etc/app.ini": `password = ${v}\n` } })],
    ["an htpasswd label", (v) => ({ labels: { "traefik.http.middlewares.a.basicauth.users": `admin:$apr1$${v}` } })],
    ["credentials in a URL", (v) => ({ environment: { DATABASE_URL: `postgres://app:${v}@db/app` } })],
  ])("a literal secret (%s) fails the synth; neither the error nor the report shows it", (what, extra) => {
    const value = sentinel(what);
    const h = buildReferenceHomelab(testApp());
    new ComposeStack(h.apps, "leak", { engine: h.engine, services: { web: { ...GOOD, ...extra(value) } } });
    expect(errorOf(() => h.app.synth())).toMatch(/DH-SECRET-LITERAL/);
    expect(allText(h.app.outdir)).not.toContain(value);
    expect(JSON.stringify((h.app as any).policyReport)).not.toContain(value);
  });
});

describeWithTerraform("accepted secrets reach no synthesized file and no terraform output", () => {
  const values = {
    app_db_password: sentinel("db"),
    grafana_admin_password: sentinel("grafana"),
    nextcloud_admin_password: sentinel("ncadmin"),
    nextcloud_db_password: sentinel("ncdb"),
    proxmox_api_token: `root@pam!dockhost=${sentinel("token")}`,
    proxmox_ssh_private_key: sentinel("sshkey"),
  };
  let ws: TerraformWorkspace;
  let outputs = "";
  let synthesized = "";
  beforeAll(async () => {
    const h = buildReferenceHomelab(testApp());
    h.app.synth();
    synthesized = allText(h.app.outdir);
    ws = prepareWorkspace(path.join(h.app.outdir, "stacks"));
    const infraVars = { ssh_public_keys: JSON.stringify([TEST_SSH_KEY]), proxmox_endpoint: "https://192.0.2.2:8006/", proxmox_api_token: values.proxmox_api_token, proxmox_ssh_private_key: values.proxmox_ssh_private_key };
    const appsVars = { ...REFERENCE_APPS_VARS, app_db_password: values.app_db_password, grafana_admin_password: values.grafana_admin_password, nextcloud_admin_password: values.nextcloud_admin_password, nextcloud_db_password: values.nextcloud_db_password };
    for (const [stack, vars] of [["dockhost-infra", infraVars], ["dockhost-apps", appsVars]] as const) {
      const plan = await ws.plan(stack, { vars });
      if (!plan.ok) throw new Error(plan.error);
      outputs += plan.stdout;
      outputs += (await ws.apply(stack, { vars })).stdout;
    }
  }, 300_000);
  afterAll(() => ws?.cleanup());

  test("a Secret too short fails the plan without showing it (a variable validation would: Terraform 1.11 prints its values)", async () => {
    const short = "Sh0rtSentinel";
    const plan = await ws.plan("dockhost-apps", { vars: { ...REFERENCE_APPS_VARS, app_db_password: short } });
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.error).toContain("app_db_password must be at least 16 characters long.");
      expect(plan.error + plan.stdout).not.toContain(short);
    }
  });

  test.each(Object.keys(values))("%s is in no synthesized file, plan or apply output", (name) => {
    const value = values[name as keyof typeof values];
    expect(outputs.length).toBeGreaterThan(1000);
    expect(synthesized).not.toContain(value);
    expect(outputs).not.toContain(value);
  });
});
