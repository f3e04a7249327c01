/**
 * Doctor's checks of the Proxmox server, read through the API (GET only). Each problem says what
 * to change: on Proxmox, or in the homelab (main.ts, or the TF_VAR_ variable that overrides it).
 * Response shapes: pve-docs api-viewer/apidata.js (the official API schema; the tests validate the
 * fake server's every answer against it).
 */
import { BackupJobExpectation, Expectations, expectedNames, VmExpectation } from "./expectations";
import { Finding, note, ok, problem } from "./finding";
import { ProxmoxApi, ProxmoxApiError, tokenId } from "./proxmox-api";

interface ClusterVm {
  readonly vmid: number;
  readonly node: string;
  readonly type: string;
  readonly name?: string;
  readonly template?: number | boolean;
}

interface NodeStorage {
  readonly storage: string;
  readonly content: string;
  readonly enabled?: number | boolean;
}

/** A privilege check: any one of `privileges` on `path` will do (Proxmox versions rename some). */
export interface PrivilegeNeed {
  readonly path: string;
  readonly anyOf: readonly string[];
  readonly why: string;
}

const GiB = 1024 ** 3;
const UNIT: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };

/** A drive's `size=` option (e.g. `size=2252M`) in GiB, as Proxmox (pve-common parse_size) and the provider count GB. */
export function driveSizeGiB(drive: string): number | undefined {
  const match = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:iB)?(?:,|$)/.exec(drive);
  return match ? (Number(match[1]) * UNIT[match[2]]) / GiB : undefined;
}

/** The template's disks (not CD-ROMs, cloud-init drives or empty slots), by interface. */
export function templateDisks(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).filter(
      (entry): entry is [string, string] =>
        /^(ide|sata|scsi|virtio)\d+$/.test(entry[0]) && typeof entry[1] === "string" && !/(^|,)media=cdrom(,|$)/.test(entry[1]) && !entry[1].startsWith("none"),
    ),
  );
}

const isSet = (flag: number | boolean | undefined) => flag === 1 || flag === true;

/**
 * What the stacks do on Proxmox and the privilege each call checks (permissions of the API
 * methods in pve-docs apidata.js): clone (VM.Clone on the template, VM.Allocate on the new id,
 * Datastore.AllocateSpace on the storage, SDN.Use on the bridge), configure, resize and start
 * the VMs, set their firewall (VM.Config.Network), read the guest agent's addresses, list and
 * replace snippets in the snippet datastore, create the backup job (Sys.Modify on /).
 */
export function privilegeNeeds(expected: Expectations): PrivilegeNeed[] {
  const needs: PrivilegeNeed[] = [];
  const add = (path: string, why: string, ...privileges: Array<string | string[]>) => {
    for (const p of privileges) needs.push({ path, anyOf: Array.isArray(p) ? p : [p], why });
  };
  for (const vm of expected.vms) {
    add(`/vms/${vm.templateId}`, "clone the template", "VM.Clone", "VM.Audit");
    for (let id = vm.baseId; id < vm.baseId + vm.count; id++) {
      add(
        `/vms/${id}`,
        "create, configure and start the VM",
        "VM.Allocate",
        "VM.Audit",
        "VM.Config.Disk",
        "VM.Config.CPU",
        "VM.Config.Memory",
        "VM.Config.Network",
        "VM.Config.HWType",
        "VM.Config.Options",
        "VM.Config.Cloudinit",
        "VM.PowerMgmt",
        // Proxmox VE 9 replaced VM.Monitor with VM.GuestAgent.Audit for the agent's addresses.
        ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted", "VM.Monitor"],
      );
    }
    add(`/storage/${vm.datastoreId}`, "allocate the VM disks", "Datastore.AllocateSpace");
    add(`/storage/${vm.snippetsDatastoreId}`, "list the cloud-init snippets", ["Datastore.Audit", "Datastore.AllocateSpace"]);
    // bpg deletes a replaced snippet through the API (DELETE .../storage/{storage}/content/{volume}).
    add(`/storage/${vm.snippetsDatastoreId}`, "replace a cloud-init snippet", "Datastore.Allocate");
    add(`/sdn/zones/localnetwork/${vm.bridge}`, "attach the VM to its bridge", "SDN.Use");
  }
  if (expected.backupJobs.length > 0) add("/", "create the VM backup job", "Sys.Modify");
  return needs;
}

type Say = (line: string) => void;

/**
 * Runs every Proxmox check, adding to `findings` as it goes (so that what was found before a
 * failed call is kept); `progress` hears what is being read (each call can take seconds).
 */
export async function checkProxmox(api: ProxmoxApi, apiToken: string, expected: Expectations, progress: Say, findings: Finding[]): Promise<void> {
  progress("  reading the version, nodes and guests");
  const version = await api.get<{ version: string; release: string }>("/version");
  findings.push(ok(`Proxmox VE ${version.version} answers; token ${tokenId(apiToken)} is accepted`));
  const nodes = (await api.get<Array<{ node: string; status?: string }>>("/nodes")).map((n) => n.node);
  const guests = await api.get<ClusterVm[]>("/cluster/resources", { type: "vm" });

  for (const vm of expected.vms) {
    findings.push(...(await checkVm(api, vm, nodes, guests, progress)));
  }
  for (const job of expected.backupJobs) findings.push(...(await checkBackupStorage(api, job, nodes)));
  if (expected.vms.some((vm) => vm.firewall)) findings.push(await checkDatacenterFirewall(api));
  progress("  reading the token's permissions");
  findings.push(...(await checkPrivileges(api, apiToken, expected, parseInt(version.version, 10))));
}

async function checkVm(api: ProxmoxApi, vm: VmExpectation, nodes: readonly string[], guests: readonly ClusterVm[], progress: Say): Promise<Finding[]> {
  const findings: Finding[] = [];
  const where = `(${vm.source})`;
  if (!nodes.includes(vm.nodeName)) {
    findings.push(
      problem(
        `node "${vm.nodeName}" is not in this cluster ${where}; its nodes: ${nodes.join(", ") || "none visible"}`,
        `set DockhostVm's nodeName in main.ts to one of: ${nodes.join(", ")}`,
      ),
    );
    return findings;
  }
  findings.push(ok(`node "${vm.nodeName}" exists`));

  findings.push(...(await checkTemplate(api, vm, guests, progress)));

  // VM ids: taken by another guest, or by this homelab's own VM (deployed: fine).
  const names = expectedNames(vm);
  for (let i = 0; i < vm.count; i++) {
    const id = vm.baseId + i;
    const guest = guests.find((g) => g.vmid === id);
    if (guest === undefined) findings.push(ok(`VM id ${id} is free`));
    else if (guest.name === names[i] && guest.type === "qemu") findings.push(ok(`VM id ${id} is this homelab's VM "${guest.name}" (already deployed)`));
    else {
      findings.push(
        problem(
          `VM id ${id} is taken by ${guest.type} "${guest.name ?? "?"}" on node ${guest.node} ${where}`,
          `choose free ids: set baseId in main.ts (or TF_VAR_vm_baseid) so that ${vm.count} id${vm.count === 1 ? "" : "s"} from it are free${firstFreeHint(guests, vm.count)}`,
        ),
      );
    }
  }

  progress(`  reading the storages of node ${vm.nodeName}`);
  const storages = await api.get<NodeStorage[]>(`/nodes/${encodeURIComponent(vm.nodeName)}/storage`);
  const contentOf = (id: string) => storages.find((s) => s.storage === id);
  const snippets = contentOf(vm.snippetsDatastoreId);
  if (snippets === undefined) {
    findings.push(
      problem(
        `datastore "${vm.snippetsDatastoreId}" (cloud-init snippets) is not on node ${vm.nodeName}, or the token cannot see it; there: ${storages.map((s) => s.storage).join(", ")}`,
        `set snippetsDatastoreId in main.ts to a datastore of type dir/nfs/cifs with the snippets content type`,
      ),
    );
  } else {
    const content = snippets.content.split(",").filter((c) => c !== "");
    findings.push(
      content.includes("snippets")
        ? ok(`datastore "${vm.snippetsDatastoreId}" accepts snippets`)
        : problem(
            `datastore "${vm.snippetsDatastoreId}" does not have the snippets content type enabled (content: ${content.join(", ") || "none"}); the cloud-init user data cannot be uploaded`,
            `enable it: pvesm set ${vm.snippetsDatastoreId} --content ${[...content, "snippets"].join(",")} (or Datacenter > Storage > ${vm.snippetsDatastoreId} > Edit > Content: add Snippets)`,
          ),
    );
  }
  const disks = contentOf(vm.datastoreId);
  if (disks === undefined || !disks.content.split(",").includes("images")) {
    findings.push(
      problem(
        `datastore "${vm.datastoreId}" (VM disks) is ${disks === undefined ? "not on node " + vm.nodeName + " or not visible to the token" : "not enabled for disk images"}`,
        `set datastoreId in main.ts to a datastore with the Disk image content type (on ${vm.nodeName}: ${storages.filter((s) => s.content.split(",").includes("images")).map((s) => s.storage).join(", ") || "none"})`,
      ),
    );
  }
  return findings;
}

/** An id after every guest's, so that `count` ids from it are free. */
function firstFreeHint(guests: readonly ClusterVm[], count: number): string {
  const next = Math.max(99, ...guests.map((g) => g.vmid)) + 1;
  return next + count - 1 <= 999_999_999 ? `, e.g. ${next}` : "";
}

async function checkTemplate(api: ProxmoxApi, vm: VmExpectation, guests: readonly ClusterVm[], progress: Say): Promise<Finding[]> {
  const where = `(${vm.source})`;
  const setIt = "set templateId in main.ts (or TF_VAR_vm_template_id)";
  const template = guests.find((g) => g.vmid === vm.templateId);
  if (template === undefined) {
    return [
      problem(
        `template ${vm.templateId} does not exist ${where}`,
        `create a cloud-init template with id ${vm.templateId} (README, "Proxmox prerequisites": a cloud image imported on scsi0, then qm template ${vm.templateId}), or ${setIt} to your template's id`,
      ),
    ];
  }
  if (template.type !== "qemu") return [problem(`id ${vm.templateId} is a ${template.type}, not a VM template ${where}`, `${setIt} to a QEMU VM template`)];
  if (!isSet(template.template)) {
    return [
      problem(
        `VM ${vm.templateId} ("${template.name ?? "?"}") is not a template ${where}`,
        `if it is the prepared cloud image, convert it: qm template ${vm.templateId} (on node ${template.node}); otherwise ${setIt} to your template's id`,
      ),
    ];
  }
  if (template.node !== vm.nodeName) {
    return [problem(`template ${vm.templateId} is on node ${template.node}, the VMs are cloned on ${vm.nodeName} ${where}`, `set nodeName in main.ts to ${template.node}, or copy the template to ${vm.nodeName}`)];
  }
  const findings = [ok(`template ${vm.templateId} ("${template.name ?? "?"}") is a template on ${template.node}`)];
  progress(`  reading template ${vm.templateId}'s configuration`);
  let config: Record<string, unknown>;
  try {
    config = await api.get<Record<string, unknown>>(`/nodes/${encodeURIComponent(template.node)}/qemu/${vm.templateId}/config`);
  } catch (error) {
    if (!(error instanceof ProxmoxApiError && error.status === 403)) throw error;
    return [...findings, note(`template ${vm.templateId}'s disk was not checked: the token cannot read its configuration (VM.Audit on /vms/${vm.templateId})`)];
  }
  const disks = templateDisks(config);
  const scsi0 = disks.scsi0;
  if (scsi0 === undefined) {
    const others = Object.keys(disks);
    findings.push(
      problem(
        others.length === 0
          ? `template ${vm.templateId} has no disk`
          : `template ${vm.templateId}'s disk is on ${others.join(", ")}, not scsi0: the clone would get a new, empty scsi0 and boot from the old disk unresized`,
        others.length === 0
          ? `import the cloud image as its disk: qm set ${vm.templateId} --scsi0 ${vm.datastoreId}:0,import-from=/path/to/cloud-image.img`
          : `move it to scsi0 on the template: qm set ${vm.templateId} --delete ${others[0]} (it becomes unused0), then qm set ${vm.templateId} --scsihw virtio-scsi-single --scsi0 <that volume> --boot order=scsi0`,
      ),
    );
    return findings;
  }
  const size = driveSizeGiB(scsi0);
  if (size !== undefined && size > vm.disk0SizeGb) {
    findings.push(
      problem(
        `template ${vm.templateId}'s scsi0 is ${formatGiB(size)} GB, larger than vm_disk0_size ${vm.disk0SizeGb} GB: a disk cannot shrink ${where}`,
        `raise disk0SizeGb in main.ts (or TF_VAR_vm_disk0_size) to at least ${Math.ceil(size)}, or rebuild the template with a smaller disk`,
      ),
    );
  } else {
    findings.push(ok(`template ${vm.templateId}'s disk is scsi0${size === undefined ? "" : `, ${formatGiB(size)} GB <= ${vm.disk0SizeGb} GB`}`));
  }
  return findings;
}

/** The job's storage must take VZDump backups, or every scheduled run fails. */
async function checkBackupStorage(api: ProxmoxApi, job: BackupJobExpectation, nodes: readonly string[]): Promise<Finding[]> {
  if (!nodes.includes(job.nodeName)) return [];
  const storages = await api.get<NodeStorage[]>(`/nodes/${encodeURIComponent(job.nodeName)}/storage`);
  const storage = storages.find((s) => s.storage === job.storage);
  const content = storage?.content.split(",").filter((c) => c !== "") ?? [];
  if (content.includes("backup")) return [ok(`datastore "${job.storage}" takes the VM backups`)];
  return [
    problem(
      storage === undefined
        ? `datastore "${job.storage}" (VM backups) is not on node ${job.nodeName}, or the token cannot see it (${job.source})`
        : `datastore "${job.storage}" does not have the VZDump backup content type: every scheduled VM backup would fail (${job.source})`,
      storage === undefined
        ? `set VmBackup's storage in main.ts to one of: ${storages.filter((s) => s.content.split(",").includes("backup")).map((s) => s.storage).join(", ") || "(none takes backups yet)"}`
        : `enable it: pvesm set ${job.storage} --content ${[...content, "backup"].join(",")} (or Datacenter > Storage > ${job.storage} > Edit > Content: add VZDump backup file)`,
    ),
  ];
}

const formatGiB = (gib: number) => (Number.isInteger(gib) ? String(gib) : gib.toFixed(1));

async function checkDatacenterFirewall(api: ProxmoxApi): Promise<Finding> {
  try {
    const options = await api.get<{ enable?: number | boolean }>("/cluster/firewall/options");
    return isSet(options.enable)
      ? ok("the datacenter firewall is on (the HostFirewall rules take effect)")
      : problem(
          "the datacenter firewall is off: the HostFirewall's VM rules are written but Proxmox does not enforce them",
          "turn it on (Datacenter > Firewall > Options > Firewall: Yes, or pvesh set /cluster/firewall/options --enable 1); first allow SSH and 8006 from your admin network, since the datacenter's input policy applies to the nodes too",
        );
  } catch (error) {
    if (error instanceof ProxmoxApiError && error.status === 403) {
      return note("the datacenter firewall was not checked: reading it needs Sys.Audit on / (the stacks themselves do not)");
    }
    throw error;
  }
}

async function checkPrivileges(api: ProxmoxApi, apiToken: string, expected: Expectations, pveMajor: number): Promise<Finding[]> {
  const needs = privilegeNeeds(expected);
  const granted = new Map<string, Set<string>>();
  for (const path of new Set(needs.map((n) => n.path))) {
    // With `path`, Proxmox computes the effective privileges there (inherited ones included).
    const permissions = await api.get<Record<string, Record<string, unknown>>>("/access/permissions", { path });
    granted.set(path, new Set(Object.keys(permissions[path] ?? {})));
  }
  const missing = needs.filter((need) => !need.anyOf.some((p) => granted.get(need.path)?.has(p)));
  const id = tokenId(apiToken);
  if (missing.length === 0) return [ok(`token ${id} has every privilege the stacks need (${needs.length} checks on ${granted.size} paths)`)];
  // The role to grant: every privilege the stacks need, in the names this Proxmox version uses.
  const pick = (need: PrivilegeNeed) => (need.anyOf.includes("VM.Monitor") && pveMajor < 9 ? "VM.Monitor" : need.anyOf[0]);
  const role = [...new Set(needs.map(pick))].sort();
  const fix = `give the token a role with what the stacks need: pveum role add Dockhost -privs "${role.join(",")}" (pveum role modify if it exists), then pveum acl modify / --tokens '${id}' --roles Dockhost (a token with privilege separation gets only what its own ACLs and its user both grant)`;
  const byPath = new Map<string, PrivilegeNeed[]>();
  for (const need of missing) byPath.set(need.path, [...(byPath.get(need.path) ?? []), need]);
  return [...byPath].map(([path, list]) =>
    problem(`token ${id} lacks ${list.map((n) => n.anyOf.join(" or ")).join(", ")} on ${path} (to ${[...new Set(list.map((n) => n.why))].join("; ")})`, fix),
  );
}
