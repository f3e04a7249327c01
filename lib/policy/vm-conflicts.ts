import { CrossFinding } from "./conflicts";
import { HomelabModel, PolicyDockhostVm } from "./types";

export const VM_CONFLICT_RULE = "DH-CONFLICT-VM";

/**
 * VM ids (the VMs' and their templates') and LAN addresses across every DockhostVm of the app: two
 * stacks must never claim one Proxmox id or one address. Bucketed by id and address: linear.
 */
export function findVmConflicts(model: HomelabModel): CrossFinding[] {
  const findings: CrossFinding[] = [];
  const ids = new Map<number, string>();
  const addresses = new Map<string, string>();
  const claim = <K>(owners: Map<K, string>, key: K, vm: PolicyDockhostVm, what: string) => {
    const owner = vm.construct.node.path;
    const other = owners.get(key);
    if (other !== undefined && other !== owner) {
      findings.push({ ruleId: VM_CONFLICT_RULE, level: "error", construct: vm.construct, key: what, message: `${what} is also claimed by ${other}`, suppressible: false });
    } else owners.set(key, owner);
  };
  for (const vm of model.dockhostVms) {
    vm.vmIds.forEach((id) => claim(ids, id, vm, `VM id ${id}`));
    vm.hosts.forEach((host) => claim(addresses, `${vm.lan}|${host}`, vm, `LAN address host ${host} of ${vm.lan}`));
  }
  // A template is shared by design; it must only not be another VM's id.
  for (const vm of model.dockhostVms) {
    const other = ids.get(vm.templateId);
    if (other !== undefined && other !== vm.construct.node.path) findings.push({ ruleId: VM_CONFLICT_RULE, level: "error", construct: vm.construct, key: "templateId", message: `template ${vm.templateId} is the id of a VM of ${other}`, suppressible: false });
  }
  return findings;
}
