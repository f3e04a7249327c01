import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { invalid } from "../lib/errors";
import { StateBlocks } from "../lib/state-blocks";
import { declareVariable } from "../lib/terraform-variable";
import { DockhostVm } from "./dockhost-vm";

/** How to take over VMs that already run: import them, or move their state from other addresses. */
export interface VmAdoptionProps {
  /** The VM(s) that already exist on Proxmox, as Dockhost describes them. */
  readonly vm: DockhostVm;
  /**
   * Default of the `vm_import_existing` variable. When it is true, `terraform plan` imports the
   * existing VMs `<nodeName>/<vm_baseid + i>` (i below `vm_count`) into Dockhost's VM resource
   * instead of creating them. Keep it false and set `TF_VAR_vm_import_existing=true` for the run
   * that adopts; importing a VM that is already in the state does nothing.
   * @default false
   */
  readonly importExisting?: boolean;
  /**
   * Addresses of the VMs in a Terraform state you bring along (the original module's, e.g.
   * `proxmox_virtual_environment_vm.vm`, or `module.dockhost.proxmox_virtual_environment_vm.vm`):
   * a `moved` block hands each one to Dockhost's address. A whole resource keeps its instance keys;
   * an instance (`...vm[1]`) moves to the same index. Only bpg/proxmox VMs can move; a VM of another
   * provider (Telmate's `proxmox_vm_qemu`) is removed from that state and imported instead.
   * @default none
   */
  readonly movedFrom?: readonly string[];
}

/** Name of the variable that switches the import on. */
export const IMPORT_VARIABLE = "vm_import_existing";

const VM_RESOURCE_ADDRESS = /^(module\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]+\])?\.)*proxmox_virtual_environment_vm\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\])?$/;

/**
 * Brings VMs that already run (built by the original Terraform module or by hand) under Dockhost
 * without destroying them: Terraform `import` blocks by node and VM id, switched on by a variable,
 * and `moved` blocks from the addresses they had in an existing state. Add it to the infra stack,
 * run `cdktf diff` until it shows no replacement, deploy, then remove it.
 */
export class VmAdoption extends Construct {
  /** Dockhost's address of the VM resource, `proxmox_virtual_environment_vm.<name>`. */
  public readonly address: string;
  /** The moves, as written to the stack. */
  public readonly moves: readonly { readonly from: string; readonly to: string }[];

  constructor(scope: Construct, id: string, props: VmAdoptionProps) {
    super(scope, id);
    const path = this.node.path;
    const { vm } = props;
    if (TerraformStack.of(this) !== TerraformStack.of(vm)) {
      invalid({ path, key: "vm", value: vm.node.path, allowed: "expected a DockhostVm of the same stack (import and moved blocks act on their own stack's state)" });
    }
    this.address = `${vm.vm.terraformResourceType}.${vm.vm.friendlyUniqueId}`;
    this.moves = (props.movedFrom ?? []).map((from, i) => {
      if (!VM_RESOURCE_ADDRESS.test(from)) {
        invalid({ path, key: `movedFrom[${i}]`, value: from, allowed: "expected the address of a proxmox_virtual_environment_vm resource or instance, such as proxmox_virtual_environment_vm.vm or module.dockhost.proxmox_virtual_environment_vm.vm[0]" });
      }
      const index = /\[[0-9]+\]$/.exec(from)?.[0] ?? "";
      const to = `${this.address}${index}`;
      if (from === to) invalid({ path, key: `movedFrom[${i}]`, value: from, allowed: "that is already Dockhost's address; nothing to move" });
      return { from, to };
    });

    const enabled = declareVariable(this, IMPORT_VARIABLE, {
      type: "bool",
      description: "Import the existing VMs <node>/<vm_baseid + i> instead of creating them (adopting a running dockhost)",
      default: props.importExisting ?? false,
    });
    const blocks = new StateBlocks(this, "blocks");
    blocks.addImport({
      forEach: `\${var.${enabled.friendlyUniqueId} ? range(var.${vm.variables.vm_count.friendlyUniqueId}) : []}`,
      to: `${this.address}[each.value]`,
      id: `${vm.nodeName}/\${var.${vm.variables.vm_baseid.friendlyUniqueId} + each.value}`,
    });
    this.moves.forEach((move) => blocks.addMove(move));
  }
}
