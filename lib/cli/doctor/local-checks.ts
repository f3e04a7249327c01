/** Doctor's checks of the machine it runs on: Node, Terraform, the SSH agent. */
import { spawnSync } from "child_process";
import { Finding, note, ok, problem } from "./finding";

/** Terraform this project's stacks and scripts are tested with and need (diff and deploy only). */
export const MIN_TERRAFORM = "1.10.0";
export const MIN_NODE = "20.0.0";

/** -1, 0 or 1 as dotted version `a` is below, equal to or above `b` (numeric parts only). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => parseInt(p, 10) || 0);
  const pb = b.split(/[.+-]/).map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0) ? -1 : 1;
  return 0;
}

export function checkNode(version: string): Finding {
  return compareVersions(version, MIN_NODE) >= 0
    ? ok(`Node.js ${version} (>= ${MIN_NODE})`)
    : problem(`Node.js ${version} is older than ${MIN_NODE}`, `install Node.js 20 or later (https://nodejs.org, or nvm install 20)`);
}

export function checkTerraform(env: NodeJS.ProcessEnv): Finding {
  const result = spawnSync("terraform", ["version", "-json"], { env, encoding: "utf8", timeout: 20_000 });
  if (result.error) {
    return note(`terraform not found on PATH: synth and the tests do without it; \`cdktf diff\` and \`cdktf deploy\` need terraform >= ${MIN_TERRAFORM} (https://developer.hashicorp.com/terraform/install)`);
  }
  let version: string | undefined;
  try {
    version = JSON.parse(result.stdout).terraform_version;
  } catch {
    version = /Terraform v(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
  }
  if (version === undefined) return problem(`\`terraform version\` gave no version (exit ${result.status}): ${result.stderr.trim()}`, `reinstall terraform >= ${MIN_TERRAFORM}`);
  return compareVersions(version, MIN_TERRAFORM) >= 0
    ? ok(`terraform ${version} (>= ${MIN_TERRAFORM})`)
    : problem(`terraform ${version} is older than ${MIN_TERRAFORM}: the stacks' variable validations need it`, `install terraform >= ${MIN_TERRAFORM} (https://developer.hashicorp.com/terraform/install)`);
}

/**
 * The provider uploads the cloud-init snippet over SSH to the Proxmox node, and the readiness gate
 * and the Docker provider reach the VM over SSH: all with the SSH agent, unless a private key is
 * given in TF_VAR_proxmox_ssh_private_key (for the Proxmox node only).
 */
export function checkSshAgent(env: NodeJS.ProcessEnv): Finding {
  const start = "start one and add your key: eval \"$(ssh-agent)\" && ssh-add ~/.ssh/id_ed25519";
  if (!env.SSH_AUTH_SOCK) return problem("no SSH agent (SSH_AUTH_SOCK is not set): Terraform's SSH steps authenticate with it", start);
  const result = spawnSync("ssh-add", ["-L"], { env, encoding: "utf8", timeout: 10_000 });
  if (result.error) return problem(`ssh-add could not run (${result.error.message})`, "install the OpenSSH client (apt install openssh-client)");
  if (result.status === 0) {
    const keys = result.stdout.split("\n").filter((line) => line.trim() !== "");
    return ok(`SSH agent at ${env.SSH_AUTH_SOCK} holds ${keys.length} key${keys.length === 1 ? "" : "s"}`);
  }
  if (result.status === 1) return problem(`the SSH agent at ${env.SSH_AUTH_SOCK} holds no key`, "add the key the VM and the Proxmox node accept: ssh-add ~/.ssh/id_ed25519");
  return problem(`no SSH agent answers at ${env.SSH_AUTH_SOCK} (${result.stderr.trim() || `ssh-add exit ${result.status}`})`, start);
}
