import { CrossFinding } from "./conflicts";
import { HomelabModel } from "./subjects";

export const VM_CONFLICT_RULE = "DH-CONFLICT-VM";

/**
 * VM ids (the VMs' and their templates') and LAN addresses across every DockhostVm of the app: two
 * stacks must never claim one Proxmox id or one address. Bucketed by id and address: linear.
 */
export function findVmConflicts(model: HomelabModel): CrossFinding[] {
  const findings: CrossFinding[] = [];
  const ids = new Map<number, string>();
  const addresses = new Map<string, string>();
  const claim = <K>(owners: Map<K, string>, key: K, owner: string, construct: HomelabModel["vms"][number], what: string) => {
    const other = owners.get(key);
    if (other !== undefined && other !== owner) {
      findings.push({ ruleId: VM_CONFLICT_RULE, level: "error", construct, key: what, message: `${what} is also claimed by ${other}`, suppressible: false });
    } else owners.set(key, owner);
  };
  for (const vm of model.vms) {
    const owner = vm.node.path;
    vm.vmIds.forEach((id, i) => {
      claim(ids, id, owner, vm, `VM id ${id}`);
      claim(addresses, `${vm.lan.text}|${vm.ipStart + i}`, owner, vm, `LAN address host ${vm.ipStart + i} of ${vm.lan.text}`);
    });
  }
  // A template is shared by design; it must only not be another VM's id.
  for (const vm of model.vms) {
    const other = ids.get(vm.templateId);
    if (other !== undefined && other !== vm.node.path) findings.push({ ruleId: VM_CONFLICT_RULE, level: "error", construct: vm, key: "templateId", message: `template ${vm.templateId} is the id of a VM of ${other}`, suppressible: false });
  }
  return findings;
}
