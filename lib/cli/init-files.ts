/**
 * The files `dockhost init` writes: a homelab repository that depends on this package. main.ts
 * imports only the package's public entry point (and cdktf); its SETTINGS are this repository's
 * defaults (DEFAULT_HOMELAB_SETTINGS, which main.ts here ships too). Versions are pinned to what
 * this package is built and tested with: its own version, and pins.ts for the rest.
 */
import { DEFAULT_HOMELAB_SETTINGS, HomelabSettings } from "../homelab-settings";
import { PackageInfo } from "./package-info";
import { renovateConfig } from "../updates/renovate";
import { TESTED_VERSIONS } from "./pins";

/** The packages a homelab repository needs: the package's peers, and the tools to synth and deploy. */
const PEERS = ["cdktf", "constructs", "@cdktf/provider-docker", "@cdktf/provider-null"] as const;
const TOOLS = ["cdktf-cli", "typescript", "@types/node"] as const;

const pinned = (names: ReadonlyArray<keyof typeof TESTED_VERSIONS>) => Object.fromEntries(names.map((name) => [name, TESTED_VERSIONS[name]]));

/** A value as a TypeScript literal (identifier keys unquoted), indented to sit at `indent`. */
function tsLiteral(value: unknown, indent = ""): string {
  return JSON.stringify(value, null, 2)
    .replace(/"([A-Za-z_$][\w$]*)":/g, "$1:")
    // Trailing commas; a lookahead, so that closers in a row each get theirs.
    .replace(/([^,{[\s])(?=\n\s*[}\]])/g, "$1,")
    .replace(/\n/g, `\n${indent}`);
}

/**
 * main.ts: the shape of this repository's main.ts (SETTINGS, a builder tests import, synth when
 * run). Written indented here and dedented, so that its lines are not taken for this module's.
 */
function mainTs(settings: HomelabSettings): string {
  return `
    // This homelab: Proxmox VMs running Docker, each with a reverse proxy (Let's Encrypt), nightly
    // volume backups and monitoring (buildHomelabFoundation, as dockhost's own main.ts builds
    // them), and one app. Edit SETTINGS (and the apps) to make it yours. Secrets and the domain
    // are Terraform variables (terraform.tfvars.example lists them): nothing personal is
    // synthesized. \`npx dockhost doctor\` checks Proxmox against what this synthesizes.
    import { buildHomelabFoundation, ComposeStack, DockhostApp, HomelabSettings } from "dockhost";

    /** Everything about this homelab that is not a Terraform variable. */
    export const SETTINGS: HomelabSettings = ${tsLiteral(settings, "    ")};

    export function buildHomelab(app = new DockhostApp(), settings: HomelabSettings = SETTINGS): DockhostApp {
      // State: local by default; DOCKHOST_BACKEND=s3|pg (and its settings) keeps it elsewhere.
      const { apps, engine, proxy, domain } = buildHomelabFoundation(app, settings);

      // The apps, on the first VM: replace this one with yours.
      const whoami = new ComposeStack(apps, "whoami", {
        engine,
        services: {
          web: { image: "traefik/whoami:v1.10.3", restart: "unless-stopped", securityOpt: ["no-new-privileges:true"], memoryLimitMb: 64, expose: [80] },
        },
      });
      proxy.expose(whoami.service("web"), { host: \`\${settings.hostNames.app}.\${domain}\`, middlewares: [proxy.securityHeaders] });
      return app;
    }

    // Synthesize only when run as the program (cdktf.json "app"), not when a test imports this file.
    if (require.main === module) buildHomelab().synth();
`.replace(/^ {4}/gm, "").slice(1);
}

const TFVARS_EXAMPLE = `# Copy to terraform.tfvars (git ignores it) or export each as TF_VAR_<name>. These are the
# variables without a default; every other one (vm_memory, vm_count, ...) has one from main.ts.

# Proxmox API endpoint. The API token: PROXMOX_VE_API_TOKEN=user@realm!tokenid=secret in the
# environment, or proxmox_api_token here.
proxmox_endpoint = "https://pve.lan:8006/"

# SSH public keys of the VM's admin user.
ssh_public_keys = ["ssh-ed25519 AAAA... you@laptop"]

# The web apps' domain (app.<domain>, grafana.<domain>) and the Let's Encrypt account's e-mail.
domain     = "home.example.com"
acme_email = "you@example.com"

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
      # A pull request (Renovate's image bumps included) shows what it changes in the Terraform.
      - name: Diff the synthesized stacks against the base branch
        if: github.event_name == 'pull_request'
        env:
          BASE_SHA: \${{ github.event.pull_request.base.sha }}
        run: |
          git fetch --no-tags --depth=1 origin "$BASE_SHA"
          git worktree add --detach ../base "$BASE_SHA"
          (cd ../base && npm ci && npm run synth)
          git diff --no-index --stat ../base/cdktf.out/stacks cdktf.out/stacks || [ $? -eq 1 ]
          git diff --no-index ../base/cdktf.out/stacks cdktf.out/stacks || [ $? -eq 1 ]
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
      // TF_INPUT=0: a variable left unset is named at once (cdktf 0.21 would wait on a hidden prompt).
      diff: "TF_INPUT=0 cdktf diff",
      deploy: "TF_INPUT=0 cdktf deploy dockhost-infra dockhost-apps",
      doctor: "dockhost doctor",
    },
    dependencies: { [pkg.name]: pkg.version, ...pinned(PEERS) },
    devDependencies: pinned(TOOLS),
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
    "main.ts": mainTs(DEFAULT_HOMELAB_SETTINGS),
    ".gitignore": GITIGNORE,
    "terraform.tfvars.example": TFVARS_EXAMPLE,
    ".github/workflows/homelab.yml": WORKFLOW,
    "renovate.json": json(renovateConfig()),
  };
}
