import { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";

export interface DockerEngineProps {
  /** Docker host URL, e.g. `ssh://dockhost@192.168.1.10:22`. */
  readonly host: string;
  /** Options for the `ssh` command the provider runs (host key pinning). */
  readonly sshOptions: readonly string[];
  /** Name of the VM, for provider aliases and messages. */
  readonly name: string;
}

/**
 * The Docker daemon of one dockhost VM, seen from the apps stack: the kreuzwerker/docker provider
 * that every network, volume, image and container on that VM goes through.
 * Create it with `DockerHost.connect()`.
 */
export class DockerEngine extends Construct {
  public readonly provider: DockerProvider;
  public readonly vmName: string;

  constructor(scope: Construct, id: string, props: DockerEngineProps) {
    super(scope, id);
    this.vmName = props.name;
    this.provider = new DockerProvider(this, "provider", {
      host: props.host,
      sshOpts: [...props.sshOptions],
    });
  }
}
