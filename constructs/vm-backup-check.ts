import { Construct } from "constructs";
import { checkInteger } from "../lib/bounds";
import { invalid } from "../lib/errors";
import { VM_BACKUP_CHECK_IMAGE } from "../lib/images";
import { TEXTFILE_DIR } from "../lib/monitoring/backup-metric";
import { VM_BACKUP_CHECK_SCRIPT, VM_BACKUP_TEXTFILE, vmBackupAlertRules, WatchedVmBackup } from "../lib/monitoring/vm-backup-metric";
import { ComposeStack } from "./compose-stack";
import { MonitoringStack } from "./monitoring-stack";
import { Secret } from "./secret";
import { VmBackup } from "./vm-backup";

/** How the VM backup check reaches the Proxmox API. */
export interface VmBackupCheckProps {
  /** The monitoring stack whose Prometheus alerts (node-exporter reads the metrics on its engine). */
  readonly monitoring: MonitoringStack;
  /** The vzdump job to watch (its node and VM ids). */
  readonly backup: VmBackup;
  /** The Proxmox API as the VM reaches it, e.g. `https://192.168.1.2:8006/` (no credentials in it). */
  readonly endpoint: string;
  /**
   * A read-only API token, `user@realm!tokenid=secret`, with Sys.Audit on `/nodes/<node>` (the
   * PVEAuditor role there is enough): it reads the node's task list and nothing else.
   */
  readonly token: Secret;
  /**
   * PEM certificate of the CA that signed the API's certificate (a default Proxmox node: the
   * content of /etc/pve/pve-root-ca.pem).
   * @default the image's public CAs
   */
  readonly caCertificate?: string;
  /**
   * Skip TLS verification (a self-signed node without `caCertificate`): anyone on the path could
   * read the token.
   * @default false
   */
  readonly insecureTls?: boolean;
  /**
   * Hours without a successful run before the alert (the job's period plus slack).
   * @default 192 (the weekly default schedule plus a day)
   */
  readonly alertAfterHours?: number;
  /**
   * Minutes between two reads of the task list.
   * @default 15
   */
  readonly checkIntervalMinutes?: number;
}

const SCRIPT = "/app/vm-backup-check.py";
const TEXTFILE_MOUNT = "/textfile";
const CA_FILE = "/app/proxmox-ca.pem";

/**
 * Alerts when the Proxmox backup (vzdump) of the VMs fails or does not run: a small checker reads
 * the node's task list with a read-only token and writes node-exporter textfile metrics
 * (lib/monitoring/vm-backup-metric.ts says why this way); the rules go to the monitoring stack's
 * Prometheus.
 */
export class VmBackupCheck extends Construct {
  public readonly stack: ComposeStack;
  public readonly watched: WatchedVmBackup;

  constructor(scope: Construct, id: string, props: VmBackupCheckProps) {
    super(scope, id);
    const path = this.node.path;
    const endpoint = parseEndpoint(path, props.endpoint);
    const vm = props.backup.vm;
    this.watched = {
      vmIds: vm.vmIds,
      maxAgeHours: checkInteger(path, "alertAfterHours", props.alertAfterHours ?? 192, { min: 1, max: 24 * 366 }),
      checkIntervalMinutes: checkInteger(path, "checkIntervalMinutes", props.checkIntervalMinutes ?? 15, { min: 1, max: 24 * 60 }),
    };
    if (props.caCertificate !== undefined && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(props.caCertificate)) {
      invalid({ path, key: "caCertificate", value: props.caCertificate, allowed: "a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), e.g. the node's /etc/pve/pve-root-ca.pem" });
    }
    if (props.caCertificate !== undefined && props.insecureTls) {
      invalid({ path, key: "insecureTls", value: props.insecureTls, allowed: "not with caCertificate: the certificate already lets the check verify the node" });
    }
    this.stack = new ComposeStack(this, "stack", {
      engine: props.monitoring.engine,
      stackName: ComposeStack.perVmStackName(this, props.monitoring.engine, undefined, "vm-backup-check", []),
      services: {
        check: {
          image: VM_BACKUP_CHECK_IMAGE,
          command: ["python3", SCRIPT],
          environment: {
            PVE_ENDPOINT: endpoint,
            PVE_NODE: vm.nodeName,
            PVE_VMIDS: vm.vmIds.join(","),
            TEXTFILE: `${TEXTFILE_MOUNT}/${VM_BACKUP_TEXTFILE}`,
            CHECK_INTERVAL_SECONDS: String(this.watched.checkIntervalMinutes * 60),
            ...(props.caCertificate !== undefined && { PVE_CA_FILE: CA_FILE }),
            ...(props.insecureTls && { PVE_INSECURE_TLS: "1" }),
          },
          secrets: { PVE_TOKEN_FILE: props.token },
          files: { [SCRIPT]: VM_BACKUP_CHECK_SCRIPT, ...(props.caCertificate !== undefined && { [CA_FILE]: props.caCertificate }) },
          volumes: [{ hostPath: TEXTFILE_DIR, target: TEXTFILE_MOUNT }],
          restart: "unless-stopped",
          securityOpt: ["no-new-privileges:true"],
          capDrop: ["ALL"],
          memoryLimitMb: 64,
        },
      },
    });
    props.monitoring.addAlertRules(vmBackupAlertRules(this.watched));
  }
}

/** The endpoint as the checker uses it: https, no credentials, no query. */
function parseEndpoint(path: string, endpoint: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "https:" || url.username || url.password || url.search || url.hash) {
    invalid({ path, key: "endpoint", value: endpoint, secret: Boolean(url && (url.username || url.password)), allowed: "the Proxmox API's https URL without credentials, such as https://192.168.1.2:8006/ (the token is the Secret)" });
  }
  return url.origin + "/";
}
