/**
 * The files `dockhost init` writes: a homelab repository that depends on this package. main.ts
 * imports only the package's public entry point; versions are pinned to what this package is
 * built and tested with (its own version, and its devDependencies for cdktf, constructs and the
 * providers).
 */
import { PackageInfo } from "./package-info";

/** The packages a homelab repository needs, with the versions this package pins. */
const PEERS = ["cdktf", "constructs", "@cdktf/provider-docker", "@cdktf/provider-null"] as const;
const TOOLS = ["cdktf-cli", "typescript", "@types/node"] as const;

function pinned(pkg: PackageInfo, names: readonly string[]): Record<string, string> {
  const dev: Record<string, string> = pkg.manifest.devDependencies ?? {};
  return Object.fromEntries(
    names.map((name) => {
      const version = dev[name];
      if (version === undefined) throw new Error(`dockhost's package.json pins no version of ${name}`);
      return [name, version];
    }),
  );
}

const MAIN_TS = `// This homelab: one Proxmox VM running Docker, a reverse proxy, one app, nightly volume backups
// and monitoring. Edit \`settings\` for your network and hardware; values that are personal or
// secret (SSH keys, Proxmox endpoint and token, passwords) are Terraform variables, listed in
// terraform.tfvars.example. \`dockhost doctor\` checks them against your Proxmox server.
import {
  ComposeStack,
  DockerHost,
  DockhostApp,
  DockhostStack,
  DockhostVm,
  HostFirewall,
  MonitoringStack,
  ProxmoxConnection,
  ReverseProxy,
  Secret,
  stateBackendFromEnv,
  VolumeBackup,
} from "dockhost";

/** Everything about this homelab that is not a Terraform variable. */
export const settings = {
  /** The Proxmox node that holds the template and runs the VM. */
  nodeName: "pve",
  /** VM id of the cloud-init template to clone, and of the first VM. */
  templateId: 9001,
  baseId: 9010,
  vm: { cpuCores: 3, memoryMb: 10240, disk0SizeGb: 50, namePrefix: "dockhost" },
  /** The LAN the VM joins; it takes host number \`ipStart\` (192.168.1.10). */
  lan: { cidr: "192.168.1.0/24", gateway: "192.168.1.1", bridge: "vmbr0" },
  ipStart: 10,
  /** Datastore with the "snippets" content type, for the cloud-init user data. */
  snippetsDatastoreId: "local",
  /** Host names the proxy serves (certificates from the proxy's own CA: LAN only). */
  hosts: { whoami: "whoami.home.arpa", grafana: "grafana.home.arpa" },
} as const;

export function buildHomelab(app = new DockhostApp()) {
  // State: local by default; DOCKHOST_BACKEND=s3|pg (and its settings) keeps it elsewhere.
  const backend = stateBackendFromEnv();
  const infra = new DockhostStack(app, "dockhost-infra", { backend });
  new ProxmoxConnection(infra, "proxmox");
  const vm = new DockhostVm(infra, "dockhost", {
    nodeName: settings.nodeName,
    templateId: settings.templateId,
    baseId: settings.baseId,
    ipStart: settings.ipStart,
    ...settings.vm,
    lan: settings.lan,
    snippetsDatastoreId: settings.snippetsDatastoreId,
  });
  const dockerHost = new DockerHost(infra, "docker", { vm });
  new HostFirewall(infra, "firewall", { vm });

  const apps = new DockhostStack(app, "dockhost-apps", { backend });
  apps.addDependency(infra);
  const engine = dockerHost.connect(apps);
  const proxy = new ReverseProxy(apps, "proxy", { engine, tls: { mode: "internal" } });

  const whoami = new ComposeStack(apps, "whoami", {
    engine,
    services: {
      web: {
        image: "traefik/whoami:v1.10.3",
        restart: "unless-stopped",
        securityOpt: ["no-new-privileges:true"],
        memoryLimitMb: 64,
        expose: [80],
      },
    },
  });
  proxy.expose(whoami.service("web"), { host: settings.hosts.whoami, middlewares: [proxy.lanOnly, proxy.securityHeaders] });

  new VolumeBackup(apps, "backup", { engine });
  const grafanaAdminPassword = new Secret(apps, "grafana_admin_password", { description: "Password of Grafana's admin user", minLength: 12 });
  new MonitoringStack(apps, "monitoring", { engine, proxy, grafanaHost: settings.hosts.grafana, grafanaAdminPassword });
  return app;
}

// Synthesize only when run as the program (cdktf.json "app"), not when a test imports this file.
if (require.main === module) buildHomelab().synth();
`;

const TFVARS_EXAMPLE = `# Copy to terraform.tfvars (git ignores it) or export each as TF_VAR_<name>. These are the
# variables without a default; every other one (vm_memory, vm_count, ...) has one from main.ts.

# Proxmox API endpoint. The API token: PROXMOX_VE_API_TOKEN=user@realm!tokenid=secret in the
# environment, or proxmox_api_token here.
proxmox_endpoint = "https://pve.lan:8006/"

# SSH public keys of the VM's admin user.
ssh_public_keys = ["ssh-ed25519 AAAA... you@laptop"]

# Secrets (sensitive: never in the synthesized JSON).
grafana_admin_password = "change-me-long-enough"
`;

const GITIGNORE = `node_modules/
dist/
cdktf.out/
cdktf.out.hcl/
.gen/
# State and variable files hold secrets (cdktf and Terraform load *.auto.tfvars on their own).
*.tfvars
*.auto.tfvars
*.tfvars.json
*.auto.tfvars.json
*.tfstate
*.tfstate.*
.terraform/
terraform.tfstate.d/
`;

const WORKFLOW = `# Type-check and synthesize on every push and pull request. Deploying needs a runner inside your
# LAN (GitHub's runners cannot reach Proxmox): see the dockhost README, "CI".
name: homelab

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

concurrency:
  group: synth-\${{ github.ref }}
  cancel-in-progress: true

jobs:
  synth:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4.2.2
      - uses: actions/setup-node@v4.4.0
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npx tsc --noEmit
      - run: npm run synth
`;

/** The scaffold, file path (relative, forward slashes) to content. */
export function initFiles(pkg: PackageInfo, projectName: string): Record<string, string> {
  const manifest = {
    name: projectName,
    version: "0.0.0",
    private: true,
    scripts: {
      build: "tsc",
      synth: "cdktf synth",
      diff: "cdktf diff",
      deploy: "cdktf deploy dockhost-infra dockhost-apps",
      doctor: "dockhost doctor",
    },
    dependencies: { [pkg.name]: pkg.version, ...pinned(pkg, PEERS) },
    devDependencies: pinned(pkg, TOOLS),
    engines: { node: pkg.manifest.engines?.node ?? ">=20" },
  };
  const cdktf = {
    language: "typescript",
    // Compiled, then run: the homelab is type-checked on every synth.
    app: "npx tsc && node dist/main.js",
    projectId: projectName,
    sendCrashReports: "false",
    // The Proxmox bindings ship inside the dockhost package: nothing to generate.
    terraformProviders: [],
    terraformModules: [],
    context: {},
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "node16",
      moduleResolution: "node16",
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      outDir: "dist",
    },
    files: ["main.ts"],
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    "package.json": json(manifest),
    "cdktf.json": json(cdktf),
    "tsconfig.json": json(tsconfig),
    "main.ts": MAIN_TS,
    ".gitignore": GITIGNORE,
    "terraform.tfvars.example": TFVARS_EXAMPLE,
    ".github/workflows/homelab.yml": WORKFLOW,
  };
}
