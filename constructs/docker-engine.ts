import { Construct } from "constructs";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { terraformName } from "../lib/naming";
import type { SwarmTopology } from "../lib/swarm";
import type { DockhostVm } from "./dockhost-vm";

/** What an engine knows of the Docker host it reaches (a DockerHost). */
export interface EngineHost {
  readonly vm: DockhostVm;
  /** Address of the docker0 bridge: host-network services listen there. */
  readonly bridgeAddress: string;
  /** Where the daemon serves its Prometheus metrics, when it does. */
  readonly engineMetricsEndpoint?: string;
  /** Folder of the compose stacks on the host: relative binds of a stack resolve in `<stacksDir>/<stack>`. */
  readonly stacksDir: string;
}

/** Where and how the Docker provider reaches one VM's daemon; made by `DockerHost.connect()`. */
export interface DockerEngineProps {
  /** Docker host URL, e.g. `ssh://dockhost@192.168.1.10:22`. */
  readonly host: string;
  /** Options for the `ssh` command the provider runs (host key pinning). */
  readonly sshOptions: readonly string[];
  /** Name of the VM, for provider aliases and messages. */
  readonly name: string;
  /** The LAN the VM sits on, in CIDR notation (for LAN-only access rules). */
  readonly lanCidr: string;
  /** The Docker host this engine runs on (for capacity and policy checks). */
  readonly dockerHost: EngineHost;
  /** Which VM of the DockhostVm this engine runs on. */
  readonly vmIndex: number;
  /**
   * Set when the engine is a Swarm manager (`SwarmCluster.connect()`): stacks on it become Swarm
   * services placed across these nodes.
   * @default a single Docker host
   */
  readonly swarm?: SwarmTopology;
}

/**
 * The Docker daemon of one dockhost VM, seen from the apps stack: the kreuzwerker/docker provider
 * that every network, volume, image and container on that VM goes through, and the images pulled
 * there. Create it with `DockerHost.connect()`.
 */
export class DockerEngine extends Construct {
  public readonly provider: DockerProvider;
  public readonly vmName: string;
  public readonly lanCidr: string;
  public readonly dockerHost: EngineHost;
  public readonly vmIndex: number;
  /** The Swarm this engine manages, when it is a Swarm manager. */
  public readonly swarm?: SwarmTopology;
  /** Options of the `ssh` command the provider runs. */
  public readonly sshOptions: readonly string[];
  private readonly images = new Map<string, Image>();

  constructor(scope: Construct, id: string, props: DockerEngineProps) {
    super(scope, id);
    this.vmName = props.name;
    this.lanCidr = props.lanCidr;
    this.dockerHost = props.dockerHost;
    this.vmIndex = props.vmIndex;
    this.swarm = props.swarm;
    this.sshOptions = props.sshOptions;
    this.provider = new DockerProvider(this, "provider", {
      host: props.host,
      sshOpts: [...props.sshOptions],
      alias: terraformName(id),
    });
  }

  /**
   * The `docker_image` for `reference` on this engine: one per distinct image, shared by every
   * stack that uses it, and kept on the host when Terraform stops managing it (another stack, or
   * a rollback, may still want it).
   */
  public image(reference: string): Image {
    let image = this.images.get(reference);
    if (!image) {
      image = new Image(this, `image-${terraformName(reference)}`, { provider: this.provider, name: reference, keepLocally: true });
      image.overrideLogicalId(`${terraformName(this.node.id)}_${terraformName(reference)}`);
      this.images.set(reference, image);
    }
    return image;
  }

  /** Every image pulled on this engine, by reference. */
  public get imageReferences(): readonly string[] {
    return [...this.images.keys()];
  }

  /**
   * The VM this engine runs on, as a key: several engines (one per Terraform stack) may reach the
   * same VM, and ports, names, memory and disk are shared by all of them.
   */
  public get vmKey(): string {
    return `${this.dockerHost.vm.node.path}[${this.vmIndex}]`;
  }
}
