/**
 * The floor: a bare cdktf app (default settings, no constructs of ours, no policy pass) that
 * declares the same raw resources as bench/synthetic-homelab.ts, with the provider classes alone.
 */
import { App, TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource } from "@cdktf/provider-null/lib/resource";
import { ProxmoxProvider } from "../.gen/providers/proxmox/provider";
import { VirtualEnvironmentFile } from "../.gen/providers/proxmox/virtual-environment-file";
import { VirtualEnvironmentVm } from "../.gen/providers/proxmox/virtual-environment-vm";
import { IMAGES, SHAPE } from "./shape";

const { containers, vms, perStack } = SHAPE;

const app = new App();
const infra = new TerraformStack(app, "dockhost-infra");
new ProxmoxProvider(infra, "proxmox", { endpoint: "https://pve.lan:8006/" });
new NullProvider(infra, "null");
const file = new VirtualEnvironmentFile(infra, "user_data", { count: vms, nodeName: "pve", datastoreId: "local", contentType: "snippets", sourceRaw: { fileName: "u.yaml", data: "#cloud-config\n" } });
new VirtualEnvironmentVm(infra, "vm", { count: vms, nodeName: "pve", vmId: 9010, clone: { vmId: 9001 }, cpu: { cores: 3 }, memory: { dedicated: 10240 }, initialization: { userDataFileId: file.fqn } });
new Resource(infra, "ready", { count: vms });
new Resource(infra, "apply", { count: vms });

const apps = new TerraformStack(app, "dockhost-apps");
const providers = Array.from({ length: vms }, (_, i) => new DockerProvider(apps, `docker${i}`, { host: `ssh://dockhost@192.168.1.${10 + i}:22`, alias: `vm${i}` }));
const images = providers.map((provider, i) => new Map(IMAGES.map((name) => [name, new Image(apps, `image${i}-${name}`, { provider, name, keepLocally: true })])));

for (let stack = 0; stack * perStack < containers; stack++) {
  const size = Math.min(perStack, containers - stack * perStack);
  const provider = providers[stack % vms];
  const network = new Network(apps, `s${stack}-network`, { provider, name: `s${stack}` });
  const first: Container[] = [];
  for (let s = 0; s < size; s++) {
    const volume = new Volume(apps, `s${stack}-data${s}`, { provider, name: `s${stack}_data${s}`, lifecycle: { preventDestroy: true } });
    const image = IMAGES[s % IMAGES.length];
    const container = new Container(apps, `s${stack}-svc${s}`, {
      provider,
      name: `s${stack}-svc${s}`,
      image: images[stack % vms].get(image)!.imageId,
      restart: "unless-stopped",
      securityOpts: ["no-new-privileges:true"],
      memory: 32,
      env: [`SERVICE=svc${s}`, `STACK=s${stack}`],
      networksAdvanced: [{ name: network.name, aliases: [`svc${s}`] }],
      volumes: [{ volumeName: volume.name, containerPath: "/data" }],
      healthcheck: { test: ["CMD", "true"], interval: "30s" },
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
      dependsOn: first,
    });
    if (s === 0) first.push(container);
  }
}
app.synth();
