import { App } from "cdktf";
import { DockerEngine } from "../constructs/docker-engine";
import { DockerHost } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";

/** What the reference homelab is made of, for tests and for main.ts. */
export interface ReferenceHomelab {
  readonly app: App;
  readonly infra: DockhostStack;
  readonly vm: DockhostVm;
  readonly dockerHost: DockerHost;
  readonly apps: DockhostStack;
  readonly engine: DockerEngine;
}

/**
 * The reference homelab: one Proxmox server, one "dockhost" VM with the seed's numbers. Personal
 * values (SSH keys, Proxmox endpoint and token) are Terraform variables, so nothing personal is
 * synthesized.
 */
export function buildReferenceHomelab(app: App = new App()): ReferenceHomelab {
  const infra = new DockhostStack(app, "dockhost-infra");
  new ProxmoxConnection(infra, "proxmox");
  const vm = new DockhostVm(infra, "dockhost");
  const dockerHost = new DockerHost(infra, "docker", { vm });

  const apps = new DockhostStack(app, "dockhost-apps");
  apps.addDependency(infra);
  const engine = dockerHost.connect(apps);
  return { app, infra, vm, dockerHost, apps, engine };
}
