/**
 * A homelab of any size, built with our constructs, for the benchmark: BENCH_CONTAINERS containers
 * in stacks of BENCH_PER_STACK services, spread over BENCH_VMS VMs. Same shape as the reference
 * homelab's app stack: pinned images, volumes, healthchecks, dependencies, memory limits.
 */
import { ComposeServiceProps, ComposeStack } from "../constructs/compose-stack";
import { DockerHost } from "../constructs/docker-host";
import { DockhostApp } from "../constructs/dockhost-app";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { VolumeBackup } from "../constructs/volume-backup";
import { IMAGES, SHAPE } from "./shape";

const { containers, vms, perStack } = SHAPE;

const app = new DockhostApp();
const infra = new DockhostStack(app, "dockhost-infra");
new ProxmoxConnection(infra, "proxmox");
// Enough memory and disk for every container's limit and volume: the capacity planner must pass.
const vm = new DockhostVm(infra, "dockhost", { count: vms, memoryMb: 2048 + Math.ceil(containers / vms) * 64, disk0SizeGb: 100 + Math.ceil(containers / vms) });
const host = new DockerHost(infra, "docker", { vm });
const apps = new DockhostStack(app, "dockhost-apps");
const engines = Array.from({ length: vms }, (_, i) => host.connect(apps, { vmIndex: i }));
// Every volume is backed up, as the policy pack requires.
engines.forEach((engine, i) => new VolumeBackup(apps, `backup-${i}`, { engine, stackName: `backup${i}` }));

for (let stack = 0; stack * perStack < containers; stack++) {
  const size = Math.min(perStack, containers - stack * perStack);
  const services: Record<string, ComposeServiceProps> = {};
  for (let s = 0; s < size; s++) {
    services[`svc${s}`] = {
      image: IMAGES[s % IMAGES.length],
      restart: "unless-stopped",
      securityOpt: ["no-new-privileges:true"],
      memoryLimitMb: 32,
      expose: [8000 + s],
      environment: { SERVICE: `svc${s}`, STACK: `s${stack}` },
      volumes: [{ volume: `data${s}`, target: "/data" }],
      healthcheck: { test: ["CMD", "true"], interval: "30s" },
      ...(s > 0 && { dependsOn: { svc0: "service_healthy" as const } }),
    };
  }
  const volumes = Object.fromEntries(Object.keys(services).map((_, s) => [`data${s}`, { sizeBudgetGb: 0.5 }]));
  new ComposeStack(apps, `s${stack}`, { engine: engines[stack % vms], services, volumes });
}
app.synth();
