/**
 * A failed volume backup raises an alert: the success metric the backup writes after a good run,
 * the rules that fire when it grows old or never appears (promtool test rules with a failing run),
 * and the wiring in the reference homelab (label, textfile directory, rules file).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { renderAlertRules } from "../../lib/monitoring/alert-rules";
import { BACKUP_SUCCESS_METRIC, backupAlertRules, backupSuccessCommand, TEXTFILE_DIR } from "../../lib/monitoring/backup-metric";
import { buildReferenceHomelab } from "../../main";
import { synthStack, tempDir, testApp } from "../support/synth";
import { promtoolTestRules } from "../support/validators";

const RULE_FILE = "backup-alerts.yml";

describe("the success metric", () => {
  test("the label's command, run by a shell, writes one sample that promtool accepts", () => {
    const dir = tempDir("textfile");
    execFileSync("/bin/sh", ["-c", backupSuccessCommand("backup", dir)]);
    const text = fs.readFileSync(path.join(dir, "dockhost_volume_backup_backup.prom"), "utf8");
    expect(text).toMatch(new RegExp(`^${BACKUP_SUCCESS_METRIC}\\{backup="backup"\\} \\d{10}\\n$`));
    expect(fs.readdirSync(dir)).toEqual(["dockhost_volume_backup_backup.prom"]);
    execFileSync("promtool", ["check", "metrics"], { input: `# HELP ${BACKUP_SUCCESS_METRIC} last success\n# TYPE ${BACKUP_SUCCESS_METRIC} gauge\n${text}` });
  });
});

describe("the alerts fire on a failing run, and only then (promtool test rules)", () => {
  const rules = renderAlertRules(backupAlertRules([{ name: "backup", maxAgeHours: 2 }]));
  const metric = `${BACKUP_SUCCESS_METRIC}{backup="backup", instance="node-exporter:9100", job="node-exporter"}`;
  const labels = { alertname: "VolumeBackupFailed", severity: "critical" };
  const tests: any = {
    rule_files: [RULE_FILE],
    evaluation_interval: "1m",
    tests: [
      {
        // Runs every hour succeed until t=60m (value = its own timestamp), then every run fails: the value stays.
        interval: "1m",
        input_series: [{ series: metric, values: "0+60x60 3600x240" }],
        alert_rule_test: [
          { eval_time: "2h", alertname: "VolumeBackupFailed", exp_alerts: [] },
          { eval_time: "3h10m", alertname: "VolumeBackupFailed", exp_alerts: [{ exp_labels: labels, exp_annotations: expect.anything() }] },
          { eval_time: "3h10m", alertname: "VolumeBackupNeverSucceeded", exp_alerts: [] },
        ],
      },
      {
        // No success ever recorded.
        interval: "1m",
        input_series: [{ series: 'up{job="node-exporter"}', values: "1x200" }],
        alert_rule_test: [
          { eval_time: "1h", alertname: "VolumeBackupNeverSucceeded", exp_alerts: [] },
          { eval_time: "2h30m", alertname: "VolumeBackupNeverSucceeded", exp_alerts: [{ exp_labels: { alertname: "VolumeBackupNeverSucceeded", severity: "critical" } }] },
        ],
      },
    ],
  };
  // promtool compares annotations exactly: take them from the rule itself.
  const failed = parse(rules).groups[0].rules.find((r: any) => r.alert === "VolumeBackupFailed");
  tests.tests[0].alert_rule_test[1].exp_alerts = [{ exp_labels: labels, exp_annotations: { summary: failed.annotations.summary, description: failed.annotations.description.replace("{{ $value | humanizeDuration }}", "2h 10m 0s") } }];
  tests.tests[1].alert_rule_test[1].exp_alerts = [{ exp_labels: { alertname: "VolumeBackupNeverSucceeded", backup: "backup", severity: "critical" }, exp_annotations: parse(rules).groups[0].rules[1].annotations }];

  test("passes", () => {
    const result = promtoolTestRules(stringify(tests), { [RULE_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  test("can fail: with a threshold of 4 hours the failing run raises nothing by 3h10m", () => {
    const lenient = renderAlertRules(backupAlertRules([{ name: "backup", maxAgeHours: 4 }]));
    expect(promtoolTestRules(stringify(tests), { [RULE_FILE]: lenient }).code).not.toBe(0);
  });
});

describe("the reference homelab wires it", () => {
  const homelab = buildReferenceHomelab(testApp());
  const json = synthStack(homelab.apps);
  const containers = json.resource.docker_container;

  test("the backup container records a success in the textfile directory; node-exporter reads it", () => {
    const backup = containers.backup_backup;
    expect(backup.labels).toContainEqual({ label: "docker-volume-backup.prune-pre", value: backupSuccessCommand("backup", "/textfile") });
    expect(backup.labels).toContainEqual({ label: "docker-volume-backup.exec-label", value: "backup" });
    expect(backup.volumes).toContainEqual({ host_path: TEXTFILE_DIR, container_path: "/textfile" });
    expect(containers["monitoring_node-exporter"].command).toContain(`--collector.textfile.directory=/host${TEXTFILE_DIR}`);
  });

  test("Prometheus's rule file holds the backup alerts", () => {
    const prometheus = containers.monitoring_prometheus;
    const file = prometheus.upload.find((u: any) => u.file.endsWith("dockhost-alerts.yml"));
    const alerts = parse(file.content).groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(["VolumeBackupFailed", "VolumeBackupNeverSucceeded"]));
  });
});
