import { IConstruct } from "constructs";
import { ComposeService, ComposeStack } from "../../constructs/compose-stack";
import { DockerEngine } from "../../constructs/docker-engine";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostVm } from "../../constructs/dockhost-vm";
import { HostFirewall } from "../../constructs/host-firewall";
import { ProxmoxConnection } from "../../constructs/proxmox-connection";
import { ReverseProxy } from "../../constructs/reverse-proxy";
import { VolumeBackup } from "../../constructs/volume-backup";
import { dependencyConditions } from "../compose/service";
import { Subject } from "./types";

/** Everything the policy pass looks at, gathered in one walk of the construct tree. */
export interface HomelabModel {
  readonly constructs: readonly IConstruct[];
  readonly subjects: readonly Subject[];
  readonly stacks: readonly ComposeStack[];
  readonly proxies: readonly ReverseProxy[];
  readonly vms: readonly DockhostVm[];
  readonly engines: readonly DockerEngine[];
}

export function collectModel(root: IConstruct): HomelabModel {
  const constructs = root.node.findAll();
  const of = <T>(type: abstract new (...args: never[]) => T): T[] => constructs.filter((c): c is IConstruct & T => c instanceof type);
  const stacks = of(ComposeStack);
  const engines = of(DockerEngine);
  const vms = of(DockhostVm);
  const servicesByEngine = new Map<DockerEngine, ComposeService[]>();
  for (const stack of stacks) {
    const services = servicesByEngine.get(stack.engine) ?? [];
    services.push(...stack.serviceList);
    servicesByEngine.set(stack.engine, services);
  }

  const subjects: Subject[] = [
    ...of(ProxmoxConnection).map((construct) => ({ kind: "proxmox" as const, construct })),
    ...vms.map((construct) => ({ kind: "vm" as const, construct })),
    ...of(DockerHost).map((construct) => ({ kind: "docker-host" as const, construct })),
    ...of(HostFirewall).map((construct) => ({ kind: "firewall" as const, construct })),
    ...engines.map((construct) => ({ kind: "docker-engine" as const, construct })),
    ...stacks.flatMap((stack) => {
      const waits = stack.serviceList.flatMap((s) => Object.entries(dependencyConditions(s.spec.dependsOn)));
      return stack.serviceList.map((service) => ({
        kind: "service" as const,
        construct: service.container,
        stack,
        service,
        engine: stack.engine,
        waitedOnHealthy: waits.some(([name, condition]) => name === service.name && condition === "service_healthy"),
        isJob: waits.some(([name, condition]) => name === service.name && condition === "service_completed_successfully"),
        neighbours: servicesByEngine.get(stack.engine) ?? [],
      }));
    }),
    ...stacks.flatMap((stack) =>
      stack
        .volumeList()
        .filter((volume) => !volume.external)
        .map((volume) => ({ kind: "volume" as const, construct: stack.volumes[volume.volume], volume, backup: VolumeBackup.onEngine(stack.engine) })),
    ),
  ];
  return { constructs, subjects, stacks, proxies: of(ReverseProxy), vms, engines };
}
