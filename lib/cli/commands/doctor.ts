import * as path from "path";
import { integerOption, parseCommandArgs } from "../args";
import { UsageError } from "../usage-error";
import { CliCommand, CliIo } from "../command";
import { DEFAULT_VM, Expectations, expectationsFromStacks, readStacks, VmExpectation } from "../doctor/expectations";
import { Finding, problem } from "../doctor/finding";
import { checkNode, checkSshAgent, checkTerraform } from "../doctor/local-checks";
import { checkProxmox } from "../doctor/proxmox-checks";
import { ProxmoxApi, ProxmoxApiError, TOKEN_PATTERN } from "../doctor/proxmox-api";

const USAGE = `Usage: dockhost doctor [options]

Checks this machine (Node.js, terraform >= 1.10 if installed, a key in the SSH agent), then reads
(never writes) the Proxmox API and reports each problem with its fix: the node, the template (a
template, its disk on scsi0 and no larger than vm_disk0_size), the snippets datastore, free VM
ids, the datacenter firewall when a HostFirewall is declared, the API token's privileges.

What to expect comes from the synthesized stacks (run \`npm run synth\` first; TF_VAR_ variables
count as Terraform would count them), else from the defaults (node pve, template 9001, VM ids
from 9010, 1 VM, 50 GB disk, snippets on "local"); the options below override either.

Credentials, as the bpg/proxmox provider reads them: PROXMOX_VE_ENDPOINT (or TF_VAR_proxmox_endpoint,
or --endpoint) and PROXMOX_VE_API_TOKEN=user@realm!id=secret (or TF_VAR_proxmox_api_token; never
an option: the process list would show it). PROXMOX_VE_INSECURE=true or --insecure accepts a
self-signed certificate.

Options:
  --out DIR                  synthesized stacks (default: cdktf.out)
  --endpoint URL             Proxmox API, e.g. https://pve.lan:8006/
  --insecure                 accept a self-signed certificate
  --node NAME                Proxmox node
  --template-id ID           template VM id
  --baseid ID                first VM id
  --count N                  number of VMs
  --disk-size GB             vm_disk0_size
  --snippets-datastore ID    datastore for the cloud-init snippets
  --datastore ID             datastore for the VM disks
  --firewall                 a HostFirewall is declared
  --local                    only the local checks

Exit code 1 when a problem is found.`;

const SYMBOL = { ok: "ok  ", note: "note", problem: "FAIL" } as const;

function print(io: CliIo, findings: readonly Finding[]): void {
  for (const f of findings) {
    (f.status === "problem" ? io.err : io.out)(`  ${SYMBOL[f.status]} ${f.message}`);
    if (f.fix) io.err(`       fix: ${f.fix}`);
  }
}

const truthy = (value: string | undefined) => value !== undefined && /^(1|true|yes)$/i.test(value);

export const doctorCommand: CliCommand = {
  name: "doctor",
  summary: "check this machine and the Proxmox server before a deploy (read-only)",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, {
      out: { type: "string" },
      endpoint: { type: "string" },
      insecure: { type: "boolean" },
      node: { type: "string" },
      "template-id": { type: "string" },
      baseid: { type: "string" },
      count: { type: "string" },
      "disk-size": { type: "string" },
      "snippets-datastore": { type: "string" },
      datastore: { type: "string" },
      firewall: { type: "boolean" },
      local: { type: "boolean" },
    });
    if (parsed.positionals.length > 0) throw new UsageError(`doctor takes no arguments, got "${parsed.positionals.join(" ")}"`);
    const overrides: Partial<VmExpectation> = Object.fromEntries(
      Object.entries({
        nodeName: parsed.string("node"),
        templateId: integerOption("template-id", parsed.string("template-id"), 100),
        baseId: integerOption("baseid", parsed.string("baseid"), 100),
        count: integerOption("count", parsed.string("count"), 1),
        disk0SizeGb: integerOption("disk-size", parsed.string("disk-size"), 1),
        snippetsDatastoreId: parsed.string("snippets-datastore"),
        datastoreId: parsed.string("datastore"),
        firewall: parsed.flag("firewall") || undefined,
      }).filter(([, v]) => v !== undefined),
    );

    const findings: Finding[] = [];
    io.out("Local:");
    const local = [checkNode(process.versions.node), checkTerraform(io.env), checkSshAgent(io.env)];
    print(io, local);
    findings.push(...local);

    if (!parsed.flag("local")) {
      const outdir = path.resolve(io.cwd, parsed.string("out") ?? "cdktf.out");
      const fromStacks = expectationsFromStacks(readStacks(outdir), io.env);
      const vms = (fromStacks.vms.length > 0 ? fromStacks.vms : [DEFAULT_VM]).map((vm) => ({ ...vm, ...overrides }));
      const expected: Expectations = { ...fromStacks, vms };
      const endpoint = parsed.string("endpoint") ?? io.env.PROXMOX_VE_ENDPOINT ?? fromStacks.endpoint;
      const apiToken = io.env.PROXMOX_VE_API_TOKEN ?? io.env.TF_VAR_proxmox_api_token;
      const insecure = parsed.flag("insecure") || truthy(io.env.PROXMOX_VE_INSECURE) || fromStacks.insecure === true;
      const shown = path.relative(io.cwd, outdir).startsWith("..") ? outdir : path.relative(io.cwd, outdir) || ".";
      const source = fromStacks.vms.length > 0 ? `the stacks in ${shown}` : `the defaults (no stacks in ${shown}: run \`npm run synth\` to check your homelab's values)`;
      io.out(`Proxmox (expecting what ${source} say${Object.keys(overrides).length > 0 ? ", with the options given" : ""}):`);
      const proxmox = await proxmoxFindings(io, endpoint, apiToken, insecure, expected);
      print(io, proxmox);
      findings.push(...proxmox);
    }

    const problems = findings.filter((f) => f.status === "problem").length;
    (problems > 0 ? io.err : io.out)(problems === 0 ? "No problem found." : `${problems} problem${problems === 1 ? "" : "s"} found.`);
    return problems > 0 ? 1 : 0;
  },
};

async function proxmoxFindings(io: CliIo, endpoint: string | undefined, apiToken: string | undefined, insecure: boolean, expected: Expectations): Promise<Finding[]> {
  if (endpoint === undefined || apiToken === undefined) {
    const missing = [endpoint === undefined ? "PROXMOX_VE_ENDPOINT" : undefined, apiToken === undefined ? "PROXMOX_VE_API_TOKEN" : undefined].filter(Boolean).join(" and ");
    return [problem(`not checked: ${missing} not set`, `export ${missing} (the token as user@realm!id=secret, as the bpg/proxmox provider reads it), or run with --local`)];
  }
  if (!TOKEN_PATTERN.test(apiToken)) {
    return [problem("PROXMOX_VE_API_TOKEN is not of the form user@realm!id=secret (value not shown)", "copy the token id and secret from Datacenter > Permissions > API Tokens: user@realm!id=xxxxxxxx-...")];
  }
  io.out(`  connecting to ${endpoint}`);
  const api = new ProxmoxApi({ endpoint, apiToken, insecure });
  const findings: Finding[] = [];
  try {
    await checkProxmox(api, apiToken, expected, io.out, findings);
    return findings;
  } catch (error) {
    return [...findings, failedCall(error, endpoint)];
  }
}

/** A call that failed: refused token, TLS, network, or an unexpected answer. */
function failedCall(error: unknown, endpoint: string): Finding {
  if (error instanceof ProxmoxApiError && error.status === 401) {
    return problem(`the API token was refused (${error.message})`, "check PROXMOX_VE_API_TOKEN: the token must exist, be enabled and not expired (Datacenter > Permissions > API Tokens)");
  }
  const message = error instanceof Error ? error.message : String(error);
  const tls = /certificate|self[- ]signed|CERT/i.test(message);
  const fix =
    error instanceof ProxmoxApiError
      ? "this Proxmox answered unexpectedly; check the endpoint is the Proxmox VE API (https://<host>:8006/) and the token's access"
      : tls
        ? "the server's certificate is not trusted: pass --insecure (PROXMOX_VE_INSECURE=true; proxmox_insecure=true for the stacks) or install its CA"
        : "check the endpoint (https://<host>:8006/) and that this machine reaches it";
  return problem(`could not read the Proxmox API at ${endpoint}: ${message}`, fix);
}
