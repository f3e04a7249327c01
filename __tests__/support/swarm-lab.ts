import { App } from "cdktf";
import { DockerEngine } from "../../constructs/docker-engine";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostStack } from "../../constructs/dockhost-stack";
import { DockhostVm } from "../../constructs/dockhost-vm";
import { ProxmoxConnection } from "../../constructs/proxmox-connection";
import type { SwarmTopology } from "../../lib/swarm";
import { testApp } from "./synth";

/** A 3-VM homelab with an apps stack on a Swarm engine. */
export interface SwarmLab {
  readonly app: App;
  readonly apps: DockhostStack;
  /** A Swarm manager's engine, as SwarmCluster.connect() gives it. */
  readonly engine: DockerEngine;
  /** A plain (single-host) engine of the first VM. */
  readonly single: () => DockerEngine;
}

/** A 3-VM homelab whose `engine` manages a Swarm of `topology`. */
export function swarmLab(topology: SwarmTopology): SwarmLab {
  const app = testApp();
  const infra = new DockhostStack(app, "dockhost-infra");
  new ProxmoxConnection(infra, "proxmox");
  const apps = new DockhostStack(app, "dockhost-apps");
  const dockerHost = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost", { count: 3 }) });
  const plain = dockerHost.connect(apps);
  const engine = new DockerEngine(apps, "swarm", { host: "ssh://dockhost@192.168.1.10:22", sshOptions: plain.sshOptions, name: "dockhost", lanCidr: plain.lanCidr, dockerHost, vmIndex: 0, swarm: topology });
  return { app, apps, engine, single: () => plain };
}
