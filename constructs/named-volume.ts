import { Construct } from "constructs";
import { StateBlocks } from "../lib/state-blocks";

/** A named Docker volume a stack mounts. */
export interface NamedVolumeProps {
  /** The volume's name on the host, e.g. `app_db-data`. */
  readonly name: string;
  /**
   * Terraform addresses under which earlier releases managed this volume as a `docker_volume`.
   * Each gets a `removed` block with `destroy = false`: Terraform forgets it, Docker keeps it.
   * @default none
   */
  readonly formerAddresses?: readonly string[];
}

/**
 * A named Docker volume that Terraform never owns, and so can never delete: Docker creates it when
 * the first container that mounts it is created (the provider passes `<name>:<path>` as a bind,
 * kreuzwerker/docker 3.6.2 internal/provider/resource_docker_container_structures.go
 * volumeSetToDockerVolumes), and it stays when every container that mounts it is gone, as
 * `docker compose down` leaves volumes. Renaming or removing the stack in code removes containers
 * and networks, never data; retiring a volume is explicit (`DockhostStack.retireVolume`).
 */
export class NamedVolume extends Construct {
  /** The volume's name on the host. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: NamedVolumeProps) {
    super(scope, id);
    this.name = props.name;
    if (props.formerAddresses && props.formerAddresses.length > 0) {
      const blocks = new StateBlocks(this, "removed");
      props.formerAddresses.forEach((from) => blocks.addRemoved({ from }));
    }
  }
}
