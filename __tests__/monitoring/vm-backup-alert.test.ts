/**
 * A failed VM (vzdump) backup raises an alert: the checker script, run for real against a Proxmox
 * task list served on loopback (shaped as pve-manager PVE/API2/Tasks.pm node_tasks returns it),
 * writes the metrics; `promtool check metrics` accepts them; `promtool test rules` fires
 * VmBackupFailed on the values a failing run produced, and the other alerts on their cases; and
 * the construct wires the checker, the token and the rules.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { App } from "cdktf";
import { parse, stringify } from "yaml";
import { VmBackupCheck } from "../../constructs/vm-backup-check";
import { Secret } from "../../constructs/secret";
import { renderAlertRules } from "../../lib/monitoring/alert-rules";
import { VM_BACKUP_CHECK_SCRIPT, vmBackupAlertRules } from "../../lib/monitoring/vm-backup-metric";
import { buildReferenceHomelab } from "../../main";
import { needs } from "../support/requirements";
import { synthAll, tempDir, testApp } from "../support/synth";
import { promtoolTestRules } from "../support/validators";

const TOKEN = "dockhost-monitor@pve!backups=5a1e0c3e-0000-4000-8000-000000000001";
const RULE_FILE = "vm-backup-alerts.yml";

/** A vzdump task as the node's task list shows it (Tasks.pm node_tasks `returns`). */
function task(id: string, endtime: number, status: string) {
  return { upid: `UPID:pve:0000A1B2:0001C3D4:${endtime.toString(16).toUpperCase().padStart(8, "0")}:vzdump:${id}:root@pam:`, node: "pve", pid: 41394, pstart: 115668, starttime: endtime - 300, type: "vzdump", id, user: "root@pam", endtime, status };
}

/** Serves GET /api2/json/nodes/pve/tasks; anything else, or a wrong token, is refused. */
async function fakeTaskList(tasks: object[], requests: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const url = new URL(req.url!, "http://x");
    if (req.headers.authorization !== `PVEAPIToken=${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.method !== "GET" || url.pathname !== "/api2/json/nodes/pve/tasks") {
      res.writeHead(501).end();
      return;
    }
    const type = url.searchParams.get("typefilter");
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: tasks.filter((t: any) => !type || t.type === type) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One round of the real checker; returns the textfile it wrote. */
async function runCheck(endpoint: string, token: string, vmids = "100"): Promise<{ text: string; stderr: string }> {
  const dir = tempDir("vm-backup-check");
  fs.writeFileSync(path.join(dir, "check.py"), VM_BACKUP_CHECK_SCRIPT);
  fs.writeFileSync(path.join(dir, "token"), `${token}\n`);
  const env = { PATH: process.env.PATH, PVE_ENDPOINT: endpoint, PVE_NODE: "pve", PVE_VMIDS: vmids, PVE_TOKEN_FILE: path.join(dir, "token"), TEXTFILE: path.join(dir, "dockhost_vm_backup.prom"), CHECK_ONCE: "1" };
  // Asynchronous: the fake API answers from this process.
  const child = spawn("python3", [path.join(dir, "check.py")], { env });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`checker exited ${code}: ${stderr}`);
  expect(fs.readdirSync(dir).sort()).toEqual(["check.py", "dockhost_vm_backup.prom", "token"]);
  return { text: fs.readFileSync(path.join(dir, "dockhost_vm_backup.prom"), "utf8"), stderr };
}

/** Sample values by series, from a textfile. */
function samples(text: string): Record<string, number> {
  return Object.fromEntries(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
}

needs("python3", "promtool").describe("a failing vzdump run, through the real checker, raises VmBackupFailed", () => {
  // promtool's clock starts at 0: the tasks end at 600 s (success) and 7200 s (failure).
  const failing = [task("100", 600, "OK"), task("100", 7200, "unable to create temporary directory '/mnt/backup/dump/vzdump-qemu-100-tmp' - No space left on device"), task("101", 7000, "OK")];
  let checked: { text: string; stderr: string };
  const requests: string[] = [];

  beforeAll(async () => {
    const api = await fakeTaskList(failing, requests);
    try {
      checked = await runCheck(api.url, TOKEN);
    } finally {
      await api.close();
    }
  });

  test("the checker asks for the node's vzdump tasks with the token, and writes what the runs say", () => {
    expect(requests).toEqual([`GET /api2/json/nodes/pve/tasks?typefilter=vzdump&limit=1000 PVEAPIToken=${TOKEN}`]);
    const values = samples(checked.text);
    expect(values).toEqual({
      'dockhost_vm_backup_last_success_timestamp_seconds{vmid="100"}': 600,
      'dockhost_vm_backup_last_failure_timestamp_seconds{vmid="100"}': 7200,
      dockhost_vm_backup_check_success: 1,
      dockhost_vm_backup_check_timestamp_seconds: expect.any(Number),
    });
    execFileSync("promtool", ["check", "metrics"], { input: checked.text });
  });

  test("an API that refuses the token: the check itself reports failure", async () => {
    const api = await fakeTaskList(failing, []);
    try {
      const refused = await runCheck(api.url, "someone@pve!x=wrong");
      expect(samples(refused.text)).toEqual({ dockhost_vm_backup_check_success: 0, dockhost_vm_backup_check_timestamp_seconds: expect.any(Number) });
      expect(refused.stderr).toContain("HTTP Error 401");
    } finally {
      await api.close();
    }
  });

  const rules = renderAlertRules(vmBackupAlertRules({ vmIds: [100], maxAgeHours: 192, checkIntervalMinutes: 15 }));
  const annotations = (alert: string, value?: string) => {
    const a = parse(rules).groups[0].rules.find((r: any) => r.alert === alert).annotations;
    const fill = (s: string) => s.replace(/\{\{ \$labels\.vmid \}\}/g, "100").replace("{{ $value | humanizeDuration }}", value ?? "");
    return { summary: fill(a.summary), description: fill(a.description) };
  };
  /** The checker's series, as node-exporter exports them, with the values of the run above. */
  const series = (text: string, extra = "") =>
    Object.entries(samples(text))
      .filter(([name]) => !name.startsWith("dockhost_vm_backup_check_timestamp"))
      .map(([name, value]) => ({ series: name.replace(/\}$|$/, (end) => `${end === "}" ? ", " : "{"}instance="node-exporter:9100", job="node-exporter"}`), values: `${value}x1200${extra}` }))
      .concat([{ series: 'dockhost_vm_backup_check_timestamp_seconds{instance="node-exporter:9100", job="node-exporter"}', values: "0+60x1200" }]);

  test("promtool: the failing run's values fire VmBackupFailed; without the failure, nothing fires", () => {
    const failed = series(checked.text);
    const succeeded = failed.filter((s) => !s.series.startsWith("dockhost_vm_backup_last_failure"));
    const labels = { alertname: "VmBackupFailed", severity: "critical", vmid: "100" };
    const tests = {
      rule_files: [RULE_FILE],
      evaluation_interval: "1m",
      tests: [
        { interval: "1m", input_series: failed, alert_rule_test: [{ eval_time: "2h10m", alertname: "VmBackupFailed", exp_alerts: [{ exp_labels: labels, exp_annotations: annotations("VmBackupFailed") }] }] },
        {
          interval: "1m",
          input_series: succeeded,
          alert_rule_test: ["VmBackupFailed", "VmBackupTooOld", "VmBackupNeverSucceeded", "VmBackupCheckFailing"].map((alertname) => ({ eval_time: "2h10m", alertname, exp_alerts: [] })),
        },
      ],
    };
    const result = promtoolTestRules(stringify(tests), { [RULE_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
    // The check can fail: the same failing run against a rule set without VmBackupFailed.
    const without = renderAlertRules(vmBackupAlertRules({ vmIds: [100], maxAgeHours: 192, checkIntervalMinutes: 15 }).filter((r) => r.alert !== "VmBackupFailed"));
    expect(promtoolTestRules(stringify(tests), { [RULE_FILE]: without }).code).not.toBe(0);
  });

  test("promtool: no run for 8 days fires VmBackupTooOld; a checker that cannot read the API fires VmBackupCheckFailing", () => {
    const succeeded = series(checked.text).filter((s) => !s.series.startsWith("dockhost_vm_backup_last_failure"));
    const stale = succeeded.map((s) => ({ ...s, values: s.series.startsWith("dockhost_vm_backup_check_timestamp") ? "0+60x12000" : s.values.replace("x1200", "x12000") }));
    const broken = [
      { series: 'dockhost_vm_backup_check_success{instance="node-exporter:9100", job="node-exporter"}', values: "0x120" },
      { series: 'dockhost_vm_backup_check_timestamp_seconds{instance="node-exporter:9100", job="node-exporter"}', values: "0+60x120" },
    ];
    const tests = {
      rule_files: [RULE_FILE],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: stale,
          alert_rule_test: [
            { eval_time: "7d", alertname: "VmBackupTooOld", exp_alerts: [] },
            { eval_time: "8d20m", alertname: "VmBackupTooOld", exp_alerts: [{ exp_labels: { alertname: "VmBackupTooOld", severity: "critical", vmid: "100" }, exp_annotations: annotations("VmBackupTooOld", "8d 0h 10m 0s") }] },
          ],
        },
        {
          interval: "1m",
          input_series: broken,
          alert_rule_test: [
            { eval_time: "20m", alertname: "VmBackupCheckFailing", exp_alerts: [] },
            { eval_time: "40m", alertname: "VmBackupCheckFailing", exp_alerts: [{ exp_labels: { alertname: "VmBackupCheckFailing", severity: "warning" }, exp_annotations: annotations("VmBackupCheckFailing") }] },
            // The check is down: "never succeeded" does not guess.
            { eval_time: "1h", alertname: "VmBackupNeverSucceeded", exp_alerts: [] },
          ],
        },
      ],
    };
    const result = promtoolTestRules(stringify(tests), { [RULE_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});

describe("VmBackupCheck wiring", () => {
  function homelabWithCheck(props: Partial<ConstructorParameters<typeof VmBackupCheck>[2]> = {}) {
    const h = buildReferenceHomelab(testApp());
    const token = new Secret(h.apps, "proxmox_backup_reader_token", { description: "Read-only Proxmox API token of the VM backup check" });
    const check = new VmBackupCheck(h.apps, "vm-backup-check", { monitoring: h.monitoring, backup: h.vmBackup, endpoint: "https://192.168.1.2:8006", token, ...props });
    return { h, check, apps: synthAll(h.app as App)["dockhost-apps"] };
  }

  test("the checker runs on the VM with the script, the token as a file, the textfile directory; Prometheus has the rules", () => {
    const { apps, check, h } = homelabWithCheck();
    const container = apps.resource.docker_container["vm-backup-check_check"];
    expect(container.env).toEqual(expect.arrayContaining([
      "PVE_ENDPOINT=https://192.168.1.2:8006/",
      `PVE_NODE=${h.vm.nodeName}`,
      `PVE_VMIDS=${h.vm.vmIds.join(",")}`,
      "PVE_TOKEN_FILE=/run/secrets/proxmox_backup_reader_token",
      "TEXTFILE=/textfile/dockhost_vm_backup.prom",
    ]));
    expect(container.upload).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: "/app/vm-backup-check.py", content: VM_BACKUP_CHECK_SCRIPT }),
      expect.objectContaining({ file: "/run/secrets/proxmox_backup_reader_token", content: "${var.proxmox_backup_reader_token}" }),
    ]));
    expect(container.volumes).toContainEqual(expect.objectContaining({ host_path: "/var/lib/node_exporter/textfile", container_path: "/textfile" }));
    expect(container.env.join("\n")).not.toContain("PVE_INSECURE_TLS");
    const rules = apps.resource.docker_container.monitoring_prometheus.upload.find((u: any) => u.file.endsWith("dockhost-alerts.yml"));
    expect(parse(rules.content).groups[0].rules.map((r: any) => r.alert)).toEqual(expect.arrayContaining(["VmBackupFailed", "VmBackupTooOld", "VmBackupNeverSucceeded", "VmBackupCheckFailing"]));
    expect(check.watched).toEqual({ vmIds: h.vm.vmIds, maxAgeHours: 192, checkIntervalMinutes: 15 });
  });

  test("a CA certificate is uploaded and used", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const container = homelabWithCheck({ caCertificate: pem }).apps.resource.docker_container["vm-backup-check_check"];
    expect(container.env).toContain("PVE_CA_FILE=/app/proxmox-ca.pem");
    expect(container.upload).toContainEqual(expect.objectContaining({ file: "/app/proxmox-ca.pem", content: pem }));
  });

  test.each([
    ["http://192.168.1.2:8006/", "endpoint"],
    ["not a url", "endpoint"],
  ])("endpoint %s is refused", (endpoint, key) => {
    expect(() => homelabWithCheck({ endpoint })).toThrow(new RegExp(`${key}.*https URL without credentials`));
  });

  test("credentials in the endpoint are refused and never echoed", () => {
    let message = "";
    try {
      homelabWithCheck({ endpoint: "https://root:hunter2-sentinel@192.168.1.2:8006/" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("https URL without credentials");
    expect(message).not.toContain("hunter2-sentinel");
  });

  test("caCertificate must be PEM, and not with insecureTls", () => {
    expect(() => homelabWithCheck({ caCertificate: "hello" })).toThrow(/caCertificate.*PEM certificate/);
    expect(() => homelabWithCheck({ caCertificate: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----", insecureTls: true })).toThrow(/insecureTls.*not with caCertificate/);
  });
});
