import { TerraformElement } from "cdktf";
import { Construct } from "constructs";

/** A Terraform `import` block (Terraform >= 1.7 for `forEach`). Values are Terraform JSON syntax. */
export interface ImportBlock {
  /** Resource instance address, e.g. `proxmox_virtual_environment_vm.dockhost[each.value]`. */
  readonly to: string;
  /** The provider's import id; a template such as `pve/${var.vm_baseid + each.value}`. */
  readonly id: string;
  /** `${...}` expression of a list, set or map: one import per element (`each.key`, `each.value`). */
  readonly forEach?: string;
}

/** A Terraform `moved` block: state at `from` now belongs to `to`. */
export interface MovedBlock {
  readonly from: string;
  readonly to: string;
}

/**
 * A Terraform `removed` block with `destroy = false` (Terraform >= 1.7): the state at `from` is
 * forgotten, the object itself is left where it is. A `from` that is not in the state is a no-op.
 */
export interface RemovedBlock {
  /** Resource address without instance keys, e.g. `docker_volume.app_volume_db-data`. */
  readonly from: string;
}

/**
 * Top-level `import`, `moved` and `removed` blocks. cdktf's own `importFrom()`/`moveFromId()` address a
 * whole resource, but ours have `count`, whose instances need an index (`vm[0]`) or `for_each`.
 */
export class StateBlocks extends TerraformElement {
  private readonly imports: ImportBlock[] = [];
  private readonly moves: MovedBlock[] = [];
  private readonly removals: RemovedBlock[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  public addImport(block: ImportBlock): void {
    this.imports.push(block);
  }

  public addMove(block: MovedBlock): void {
    this.moves.push(block);
  }

  public addRemoved(block: RemovedBlock): void {
    this.removals.push(block);
  }

  public toTerraform(): Record<string, unknown> {
    return {
      removed: this.removals.length > 0 ? this.removals.map(({ from }) => ({ from, lifecycle: { destroy: false } })) : undefined,
      import: this.imports.length > 0 ? this.imports.map(({ forEach, ...rest }) => ({ for_each: forEach, ...rest })) : undefined,
      moved: this.moves.length > 0 ? [...this.moves] : undefined,
    };
  }

  public toHclTerraform(): Record<string, unknown> {
    const reference = (value: string) => ({ value, type: "simple", storageClassType: "reference" });
    const text = (value: string) => ({ value, type: "simple", storageClassType: "string" });
    return {
      import:
        this.imports.length > 0
          ? this.imports.map((block) => ({ for_each: block.forEach === undefined ? undefined : text(block.forEach), to: reference(block.to), id: text(block.id) }))
          : undefined,
      moved: this.moves.length > 0 ? this.moves.map((block) => ({ from: reference(block.from), to: reference(block.to) })) : undefined,
      removed: this.removals.length > 0 ? this.removals.map((block) => ({ from: reference(block.from), lifecycle: { destroy: false } })) : undefined,
    };
  }
}
