import { Token } from "cdktf";
import { Construct } from "constructs";
import { ProxmoxProvider } from "../.gen/providers/proxmox/provider";
import { declareVariable } from "../lib/terraform-variable";

/** Options of the Proxmox connection; the API token and SSH key are never props (see {@link ProxmoxConnection}). */
export interface ProxmoxConnectionProps {
  /**
   * Proxmox API URL, e.g. `https://pve.lan:8006/`. It is user-specific, so by default it is not
   * written into the output: Terraform asks for `proxmox_endpoint` (or reads TF_VAR_proxmox_endpoint).
   * @default no default: the `proxmox_endpoint` variable must be set at plan time
   */
  readonly endpoint?: string;
  /**
   * Accept a self-signed certificate on the Proxmox API (the Proxmox installer's default one).
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * SSH user on the Proxmox node, used by the provider to upload cloud-init snippets.
   * @default "root"
   */
  readonly sshUsername?: string;
}

/**
 * The bpg/proxmox provider for a stack. Secrets never reach the synthesized JSON: the API token
 * and the SSH private key are sensitive variables that default to null, in which case the provider
 * reads its own environment (PROXMOX_VE_API_TOKEN) and the SSH agent.
 */
export class ProxmoxConnection extends Construct {
  public readonly provider: ProxmoxProvider;

  constructor(scope: Construct, id: string, props: ProxmoxConnectionProps = {}) {
    super(scope, id);
    const endpoint = declareVariable(this, "proxmox_endpoint", {
      type: "string",
      description: "Proxmox VE API endpoint, e.g. https://pve.lan:8006/",
      default: props.endpoint,
      validation: [
        {
          condition: 'can(regex("^https?://[^/\\\\s]+", var.proxmox_endpoint))',
          errorMessage: "proxmox_endpoint must be an http(s) URL such as https://pve.lan:8006/.",
        },
      ],
    });
    const apiToken = declareVariable(this, "proxmox_api_token", {
      type: "string",
      description: "Proxmox API token 'user@realm!tokenid=secret'; null reads PROXMOX_VE_API_TOKEN from the environment",
      default: null,
      nullable: true,
      sensitive: true,
    });
    const insecure = declareVariable(this, "proxmox_insecure", {
      type: "bool",
      description: "Skip TLS verification of the Proxmox API (self-signed certificate)",
      default: props.insecure ?? false,
    });
    const sshUsername = declareVariable(this, "proxmox_ssh_username", {
      type: "string",
      description: "SSH user on the Proxmox node, for snippet uploads",
      default: props.sshUsername ?? "root",
    });
    const sshPrivateKey = declareVariable(this, "proxmox_ssh_private_key", {
      type: "string",
      description: "Private key for SSH to the Proxmox node; null uses the SSH agent",
      default: null,
      nullable: true,
      sensitive: true,
    });

    this.provider = new ProxmoxProvider(this, "proxmox", {
      endpoint: endpoint.stringValue,
      apiToken: apiToken.stringValue,
      insecure: insecure.booleanValue,
      ssh: {
        username: sshUsername.stringValue,
        privateKey: sshPrivateKey.stringValue,
        // Without a private key, authenticate with the SSH agent.
        agent: Token.asAny("${var.proxmox_ssh_private_key == null}"),
      },
    });
  }
}
