import { TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { dependencyConditions } from "../lib/compose/service";
import { evaluatePolicy, PolicyReport } from "../lib/policy/evaluate";
import { CapacityPlan } from "../lib/policy/capacity-planner";
import { HomelabModel, PolicyRule, PolicyService, PolicyStack, PolicyVm, Subject } from "../lib/policy/types";
import { addVariableValidation } from "../lib/terraform-variable";
import { LedgerData } from "../lib/ledger";
import { ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { DockerHost } from "./docker-host";
import { DockhostVm } from "./dockhost-vm";
import { HostFirewall } from "./host-firewall";
import { MonitoringStack } from "./monitoring-stack";
import { ProxmoxConnection } from "./proxmox-connection";
import { ReverseProxy } from "./reverse-proxy";
import { VolumeBackup } from "./volume-backup";

/**
 * Runs the policy pack over the homelab under `root` (DockhostApp does, before any stack is
 * written), then writes the capacity minimums into the VM variables' validation, so that
 * `-var vm_memory=...` cannot undercut what the plan needs.
 */
export function evaluateHomelab(root: IConstruct, options: { readonly ledger?: LedgerData; readonly rules?: readonly PolicyRule[] } = {}): PolicyReport {
  const { report, minimums } = evaluatePolicy(describeHomelab(root), options);
  writeMinimums(minimums);
  return report;
}

/**
 * One walk of the construct tree: each construct the policy pack judges, described as plain data
 * (lib/policy never sees a construct class).
 */
export function describeHomelab(root: IConstruct): HomelabModel {
  const constructs = root.node.findAll();
  const of = <T>(type: abstract new (...args: never[]) => T): T[] => constructs.filter((c): c is IConstruct & T => c instanceof type);
  const composeStacks = of(ComposeStack);
  const stacks = new Map(composeStacks.map((stack) => [stack, describeStack(stack)]));
  const engines = of(DockerEngine);
  const monitored = new Set(of(MonitoringStack).map((m) => m.engine.vmKey));
  const backedUp = new Set(of(VolumeBackup).map((b) => b.engine.vmKey));
  const vms = [...groupBy(engines, (e) => e.vmKey).values()].map((group): PolicyVm => {
    const engine = group[0];
    const vm = engine.dockerHost.vm;
    return {
      kind: "docker-vm",
      construct: engine,
      key: engine.vmKey,
      name: engine.vmName,
      owner: vm,
      memoryMb: vm.memoryMb,
      disk0SizeGb: vm.disk0SizeGb,
      cpuCores: vm.cpuCores,
      stacks: group.flatMap((e) => ComposeStack.onEngine(e).map((s) => stacks.get(s)!)),
      // An image is pulled once per VM, whichever engines use it.
      images: [...new Set(group.flatMap((e) => e.imageReferences))],
      monitored: monitored.has(engine.vmKey),
      volumeBackup: backedUp.has(engine.vmKey),
    };
  });
  const neighbours = new Map(vms.map((vm) => [vm.key, vm.stacks.flatMap((s) => s.services)]));

  const subjects: Subject[] = [
    ...of(ProxmoxConnection).map((c) => ({ kind: "proxmox" as const, construct: c, credentials: { password: c.provider.password, apiToken: c.provider.apiToken, "ssh.privateKey": c.provider.ssh?.privateKey } })),
    ...of(DockhostVm).map((c) => ({ kind: "vm" as const, construct: c, agentEnabled: c.vm.agent.enabledInput, packages: c.cloudConfig.packageList })),
    ...of(DockerHost).map((c) => ({ kind: "docker-host" as const, construct: c, addressPools: c.addressPools, lan: c.vm.lan, knownHostsFile: c.knownHostsFile })),
    ...of(HostFirewall).map((c) => ({ kind: "firewall" as const, construct: c, adminCidrs: c.adminCidrs })),
    ...engines.map((c) => ({ kind: "docker-engine" as const, construct: c, sshOptions: c.sshOptions })),
    ...vms,
    ...composeStacks.flatMap((stack) => {
      const services = stack.serviceList;
      const waits = services.flatMap((s) => Object.entries(dependencyConditions(s.spec.dependsOn)));
      const waitedOn = (name: string, condition: string) => waits.some(([n, c]) => n === name && c === condition);
      return stacks.get(stack)!.services.map((service) => ({
        kind: "service" as const,
        construct: service.construct,
        service,
        waitedOnHealthy: waitedOn(service.name, "service_healthy"),
        isJob: waitedOn(service.name, "service_completed_successfully"),
        neighbours: neighbours.get(stack.engine.vmKey) ?? [],
      }));
    }),
    ...composeStacks.flatMap((stack) =>
      stacks.get(stack)!.volumes.map((volume) => ({ kind: "volume" as const, construct: volume.construct, volume, vmName: stack.engine.vmName, backedUp: VolumeBackup.onEngine(stack.engine) !== undefined })),
    ),
  ];
  const proxies = of(ReverseProxy).map((proxy) => ({
    construct: proxy,
    routes: proxy.routeList.map((route) => ({ host: route.host, pathPrefix: route.pathPrefix, containerName: route.service.containerName })),
  }));
  const dockhostVms = of(DockhostVm).map((vm) => ({
    construct: vm,
    terraformStack: TerraformStack.of(vm).node.id,
    ledgerKey: `${TerraformStack.of(vm).node.id}/${vm.node.id}`,
    vmIds: vm.vmIds,
    templateId: vm.templateId,
    lan: vm.lan.text,
    hosts: vm.vmIds.map((_, i) => vm.ipStart + i),
  }));
  const terraformStacks = constructs.filter((c): c is TerraformStack => TerraformStack.isStack(c)).map((stack) => ({ id: stack.node.id, construct: stack }));
  return { root, constructs, subjects, stacks: [...stacks.values()], proxies, vms, dockhostVms, terraformStacks };
}

function describeStack(stack: ComposeStack): PolicyStack {
  const declared = stack.toSpec().volumes ?? {};
  return {
    construct: stack,
    terraformStack: TerraformStack.of(stack).node.id,
    vmKey: stack.engine.vmKey,
    swarm: stack.engine.swarm !== undefined,
    services: stack.serviceList.map((s): PolicyService => ({ name: s.name, containerName: s.containerName, spec: s.spec, files: s.spec.files, construct: s.resource })),
    volumes: stack
      .volumeList()
      .filter((volume) => !volume.external)
      .map((volume) => ({
        name: volume.name,
        construct: stack.volumes[volume.volume],
        sizeBudgetGb: declared[volume.volume]?.sizeBudgetGb,
        backup: volume.backup,
        noBackupReason: volume.noBackupReason,
      })),
  };
}

const minimumsWritten = new WeakSet<DockhostVm>();

function writeMinimums(minimums: CapacityPlan["minimums"]): void {
  for (const [owner, need] of minimums) {
    if (!(owner instanceof DockhostVm) || minimumsWritten.has(owner)) continue;
    minimumsWritten.add(owner);
    addVariableValidation(owner.variables.vm_memory, { condition: `var.vm_memory >= ${need.memoryMb}`, errorMessage: `vm_memory must be at least ${need.memoryMb} MB: the containers' memory limits plus the host's reserve.` });
    addVariableValidation(owner.variables.vm_disk0_size, { condition: `var.vm_disk0_size >= ${need.disk0SizeGb}`, errorMessage: `vm_disk0_size must be at least ${need.disk0SizeGb} GB: volumes, images and logs plus the system's share.` });
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}
