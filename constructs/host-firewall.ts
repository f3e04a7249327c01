import { Lazy, TerraformCount } from "cdktf";
import { Construct } from "constructs";
import { VirtualEnvironmentFirewallOptions } from "../.gen/providers/proxmox/virtual-environment-firewall-options";
import { VirtualEnvironmentFirewallRules } from "../.gen/providers/proxmox/virtual-environment-firewall-rules";
import { checkInteger } from "../lib/bounds";
import { DEFAULT_PORT_PROTOCOL, PortProtocol } from "../lib/compose/service";
import { invalid } from "../lib/errors";
import { checkAtSynth } from "../lib/synth-check";
import { parseCidr } from "../lib/ipv4";
import { terraformName } from "../lib/naming";
import { ComposeStack } from "./compose-stack";
import { DockhostVm } from "./dockhost-vm";
import { ReverseProxy } from "./reverse-proxy";
import { SWARM_PORTS, SwarmCluster } from "./swarm-cluster";

/** Who may connect: the VM's LAN, or anyone (what the router forwards from the internet). */
export type FirewallSource = "lan" | "world";

/** Who may reach the VMs, besides what the stacks publish. */
export interface HostFirewallProps {
  /** The VMs to protect (every VM of this DockhostVm gets the same rules). */
  readonly vm: DockhostVm;
  /**
   * Networks allowed to SSH into the VMs: you, Terraform's SSH steps and the Docker provider.
   * @default [the VM's LAN]
   */
  readonly adminCidrs?: readonly string[];
  /**
   * Who reaches ports 80 and 443 when a stack publishes them. Let's Encrypt's HTTP-01 challenge
   * needs `world` (and the router forwarding both ports).
   * @default "lan"
   */
  readonly webAccess?: FirewallSource;
  /**
   * Other published host ports opened to anyone rather than to the LAN only, e.g. 51820 for a
   * WireGuard server. Each must be published by a stack on the VM.
   * @default none
   */
  readonly worldPorts?: readonly number[];
}

/** One inbound rule: `proto` traffic to port `dport`, from `source` or from anywhere. */
export interface FirewallRule {
  readonly proto: PortProtocol;
  readonly dport: number;
  /** Source network in CIDR notation; absent means anywhere. */
  readonly source?: string;
  readonly comment: string;
}

const SSH_PORT = 22;
const WEB_PORTS = [80, 443];
const LOOPBACK = /^(127\.|::1$)/;

/**
 * The Proxmox firewall of the dockhost VM(s): inbound traffic is dropped unless a rule accepts it.
 * Docker rewrites iptables inside the VM, so a guest firewall (ufw) would not see published ports;
 * Proxmox filters on the host's bridge, where Docker cannot reach. The rules are SSH from the
 * admin networks, and each host port a stack on the VM publishes (80 and 443 from `webAccess`,
 * `worldPorts` from anywhere, the others from the LAN), read when the app is synthesized: a new
 * stack or route opens exactly what it publishes. Loopback-bound ports need no rule. With a
 * SwarmCluster on the VMs, the Swarm's ports (SWARM_PORTS) are open between those VMs only.
 *
 * ICMP from the LAN is accepted (ping, path MTU discovery), NDP is on and router advertisements
 * from the VM are off.
 *
 * Proxmox applies VM rules only when the datacenter firewall is on (Datacenter > Firewall >
 * Options); the VM's network device has its firewall flag set by DockhostVm.
 */
export class HostFirewall extends Construct {
  public readonly vm: DockhostVm;
  public readonly adminCidrs: readonly string[];
  public readonly webAccess: FirewallSource;
  public readonly worldPorts: readonly number[];
  public readonly options: VirtualEnvironmentFirewallOptions;
  public readonly ruleSet: VirtualEnvironmentFirewallRules;

  constructor(scope: Construct, id: string, props: HostFirewallProps) {
    super(scope, id);
    const path = this.node.path;
    this.vm = props.vm;
    this.adminCidrs = props.adminCidrs ?? [this.vm.lan.text];
    if (this.adminCidrs.length === 0) invalid({ path, key: "adminCidrs", value: this.adminCidrs, allowed: "expected at least one network: without SSH, neither you nor Terraform can reach the VM" });
    this.adminCidrs.forEach((cidr, i) => {
      if (parseCidr(cidr) === undefined) invalid({ path, key: `adminCidrs[${i}]`, value: cidr, allowed: "expected an IPv4 network in CIDR notation whose address is the network address, such as 192.168.1.0/24 or 192.168.1.20/32" });
    });
    this.webAccess = props.webAccess ?? "lan";
    if (this.webAccess !== "lan" && this.webAccess !== "world") invalid({ path, key: "webAccess", value: this.webAccess, allowed: "expected lan or world" });
    this.worldPorts = props.worldPorts ?? [];
    this.worldPorts.forEach((port, i) => {
      checkInteger(path, `worldPorts[${i}]`, port, { min: 1, max: 65535 });
      if (port === SSH_PORT) invalid({ path, key: `worldPorts[${i}]`, value: port, allowed: "a port other than SSH, which only adminCidrs reach" });
      if (WEB_PORTS.includes(port)) invalid({ path, key: `worldPorts[${i}]`, value: port, allowed: 'a port other than 80 and 443: set webAccess: "world" for those' });
    });

    const count = TerraformCount.of(this.vm.variables.vm_count.numberValue);
    const target = { count, nodeName: this.vm.nodeName, vmId: this.vm.vmIdOf("count.index") };
    this.options = new VirtualEnvironmentFirewallOptions(this, "options", {
      ...target,
      enabled: true,
      inputPolicy: "DROP",
      outputPolicy: "ACCEPT",
      // bpg 0.111.1 sends ndp=false and radv=true unless told (proxmoxtf/resource/firewall/options.go,
      // dvNDP/dvReadv): the VM needs neighbour discovery, and it is no router.
      ndp: true,
      radv: false,
    });
    this.ruleSet = new VirtualEnvironmentFirewallRules(this, "rules", {
      ...target,
      // Ports are read at synth time, once every stack has been built.
      rule: Lazy.anyValue({
        produce: () => [
          ...this.rules().map((r) => ({ type: "in", action: "ACCEPT", proto: r.proto, dport: String(r.dport), source: r.source, comment: r.comment })),
          // Ping and ICMP errors (path MTU discovery) from the LAN; the DROP policy would eat them.
          { type: "in", action: "ACCEPT", proto: "icmp", source: this.vm.lan.text, comment: "ICMP from the LAN (ping, path MTU)" },
        ],
      }),
    });
    this.options.overrideLogicalId(`${terraformName(id)}_options`);
    this.ruleSet.overrideLogicalId(`${terraformName(id)}_rules`);
    checkAtSynth(this, () => this.rules());
  }

  /**
   * The inbound rules: SSH from each admin network, then one rule per host port and protocol
   * that a stack on the VM publishes. Throws when a port cannot be opened as declared.
   */
  public rules(): FirewallRule[] {
    const path = this.node.path;
    const lan = this.vm.lan.text;
    const stacks = this.node.root.node.findAll().filter((c): c is ComposeStack => c instanceof ComposeStack && c.engine.dockerHost.vm === this.vm);
    for (const proxy of this.node.root.node.findAll()) {
      if (proxy instanceof ReverseProxy && proxy.engine.dockerHost.vm === this.vm && proxy.tlsMode === "acme-http" && this.webAccess !== "world") {
        invalid({ path, key: "webAccess", value: this.webAccess, allowed: `"world": ${proxy.node.path} gets certificates with Let's Encrypt HTTP-01, whose servers must reach port 80 from the internet (or give the proxy tls mode acme-dns or internal)` });
      }
    }

    const published = new Map<string, { proto: PortProtocol; dport: number; containers: string[] }>();
    for (const stack of stacks) {
      for (const service of stack.serviceList) {
        (service.spec.ports ?? []).forEach((port, i) => {
          if (port.hostIp !== undefined && LOOPBACK.test(port.hostIp)) return;
          if (port.hostPort === undefined) {
            invalid({ path: stack.node.path, key: `services.${service.name}.ports[${i}].hostPort`, value: port.hostPort, allowed: "a fixed host port: the VM firewall opens declared ports only, and Docker would pick a random one (bind it to 127.0.0.1 if only the VM uses it)" });
          }
          const proto = port.protocol ?? DEFAULT_PORT_PROTOCOL;
          const key = `${port.hostPort}/${proto}`;
          const entry = published.get(key) ?? { proto, dport: port.hostPort, containers: [] };
          entry.containers.push(service.containerName);
          published.set(key, entry);
        });
      }
    }
    this.worldPorts.forEach((port, i) => {
      if (![...published.values()].some((p) => p.dport === port)) {
        invalid({ path, key: `worldPorts[${i}]`, value: port, allowed: "a host port a stack on the VM publishes (the firewall opens nothing else)" });
      }
    });

    const sourceOf = (proto: PortProtocol, port: number): FirewallSource =>
      proto === "tcp" && WEB_PORTS.includes(port) ? this.webAccess : this.worldPorts.includes(port) ? "world" : "lan";
    // A Swarm's ports, from its own VMs only. 2377 is open on workers too (nothing listens there
    // until a worker is promoted; then no firewall change is needed).
    const swarm = this.node.root.node.findAll().find((c): c is SwarmCluster => c instanceof SwarmCluster && c.vm === this.vm);
    return [
      ...this.adminCidrs.map((cidr) => ({ proto: "tcp" as const, dport: SSH_PORT, source: cidr, comment: "SSH from an admin network" })),
      ...(swarm ? SWARM_PORTS.map(({ proto, port, comment }) => ({ proto, dport: port, source: swarm.peerAddresses, comment: `${comment}, from the Swarm's VMs` })) : []),
      ...[...published.values()]
        .sort((a, b) => a.dport - b.dport || a.proto.localeCompare(b.proto))
        .map(({ proto, dport, containers }) => {
          const source = sourceOf(proto, dport);
          return { proto, dport, source: source === "lan" ? lan : undefined, comment: `${containers.join(", ")} (from ${source === "lan" ? "the LAN" : "anywhere"})` };
        }),
    ];
  }
}
