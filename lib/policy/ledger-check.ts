import { IConstruct } from "constructs";
import { LedgerData, volumeRetirements, vmRetirements } from "../ledger";
import { CrossFinding } from "./conflicts";
import { HomelabModel } from "./types";

export const VOLUME_RENAME_RULE = "DH-VOLUME-RENAME";
export const VM_RETIRE_RULE = "DH-VM-RETIRE";

/**
 * Compares the app with the ledger: a volume or VM id the ledger holds that the code no longer
 * declares must be retired in code. Not suppressible: the retirement is the explicit way. Returns
 * the findings and the ledger to write when the synth goes through.
 */
export function checkLedger(model: HomelabModel, ledger: LedgerData): { findings: CrossFinding[]; next: LedgerData } {
  const findings: CrossFinding[] = [];
  const finding = (ruleId: string, construct: IConstruct, key: string, message: string) => findings.push({ ruleId, level: "error", construct, key, message, suppressible: false });
  const volumes: Record<string, readonly string[]> = { ...ledger.volumes };
  const vms: Record<string, readonly number[]> = { ...ledger.vms };
  for (const { id, construct: stack } of model.terraformStacks) {
    const current = new Set(model.stacks.filter((s) => s.terraformStack === id).flatMap((s) => s.volumes.map((v) => v.name)));
    const retired = new Set(volumeRetirements(stack).map((r) => r.name));
    for (const name of ledger.volumes[id] ?? []) {
      if (current.has(name) || retired.has(name)) continue;
      finding(VOLUME_RENAME_RULE, stack, `volume ${name}`,
        `volume ${name} is in the ledger, but no ComposeStack of ${id} mounts it now; its data is still on the VM. ` +
          `If you renamed a stack, give it volumePrefix: "<its old name>" so it reads that data; to let the volume go, call retireVolume("${name}", "<why>") on stack ${id} (Docker keeps it until docker volume rm)`);
    }
    for (const name of retired) if (current.has(name)) finding(VOLUME_RENAME_RULE, stack, `volume ${name}`, `volume ${name} is retired, but a ComposeStack of ${id} still mounts it`);
    if (current.size > 0 || ledger.volumes[id]) volumes[id] = [...current];

    const retiredIds = new Set(vmRetirements(stack).map((r) => r.vmId));
    const declared = model.dockhostVms.filter((vm) => vm.terraformStack === id);
    const keys = new Set([...declared.map((vm) => vm.ledgerKey), ...Object.keys(ledger.vms).filter((key) => key.startsWith(`${id}/`))]);
    for (const key of keys) {
      const vm = declared.find((v) => v.ledgerKey === key);
      const ids = new Set(vm ? vm.vmIds : []);
      for (const vmId of ledger.vms[key] ?? []) {
        if (ids.has(vmId) || retiredIds.has(vmId)) continue;
        finding(VM_RETIRE_RULE, vm?.construct ?? stack, `vm ${vmId}`,
          `VM ${vmId} is in the ledger, but ${vm ? `${vm.construct.node.path} now declares ids ${describeIds(vm.vmIds)}` : `no DockhostVm of ${id} declares it`}: Terraform would destroy it. ` +
            `Keep count and baseId as they were, or retire it explicitly with retireVm(${vmId}, "<why>") on stack ${id} (then lift its Proxmox protection: qm set ${vmId} --protection 0)`);
      }
      for (const vmId of retiredIds) if (ids.has(vmId)) finding(VM_RETIRE_RULE, vm?.construct ?? stack, `vm ${vmId}`, `VM ${vmId} is retired, but ${key} still declares it`);
      if (vm) vms[key] = [...vm.vmIds];
      else delete vms[key];
    }
  }
  return { findings, next: { version: ledger.version, volumes, vms } };
}

function describeIds(ids: readonly number[]): string {
  return ids.length === 1 ? String(ids[0]) : `${ids[0]}..${ids[ids.length - 1]}`;
}
