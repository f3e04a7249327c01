import { ComposeStack } from "../constructs/compose-stack";
import { DockerHost } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { HostFirewall, HostFirewallProps } from "../constructs/host-firewall";
import { ReverseProxy } from "../constructs/reverse-proxy";
import { buildReferenceHomelab } from "../main";
import { synthStack, testApp } from "./support/synth";

const GOOD = { memoryLimitMb: 64, restart: "unless-stopped", securityOpt: ["no-new-privileges:true"] } as const;

describe("reference homelab: the Proxmox firewall of the VM", () => {
  const homelab = buildReferenceHomelab(testApp());
  const infra = synthStack(homelab.infra);
  const options = infra.resource.proxmox_virtual_environment_firewall_options.firewall_options;
  const rules = infra.resource.proxmox_virtual_environment_firewall_rules.firewall_rules;

  test("default deny inbound, on every VM of the resource", () => {
    expect(options).toMatchObject({ count: "${var.vm_count}", node_name: "pve", vm_id: "${proxmox_virtual_environment_vm.dockhost[count.index].vm_id}", enabled: true, input_policy: "DROP", output_policy: "ACCEPT" });
    // bpg 0.111.1 would send ndp=false and radv=true (proxmoxtf/resource/firewall/options.go).
    expect(options).toMatchObject({ ndp: true, radv: false });
    expect(rules).toMatchObject({ count: "${var.vm_count}", vm_id: "${proxmox_virtual_environment_vm.dockhost[count.index].vm_id}" });
  });

  test("the network device has its firewall flag, so Proxmox filters on the bridge where Docker cannot", () => {
    expect(infra.resource.proxmox_virtual_environment_vm.dockhost.network_device[0].firewall).toBe(true);
  });

  test("SSH from the LAN, then exactly the ports the stacks publish: Traefik's 80 and 443, from anywhere (HTTP-01)", () => {
    const published = homelab.app.node.findAll()
      .filter((c): c is ComposeStack => c instanceof ComposeStack)
      .flatMap((stack) => stack.serviceList.flatMap((s) => (s.spec.ports ?? []).map((p) => `${p.hostPort}/${p.protocol ?? "tcp"}`)));
    expect(published.sort()).toEqual(["443/tcp", "80/tcp"]);
    expect(rules.rule).toEqual([
      { type: "in", action: "ACCEPT", proto: "tcp", dport: "22", source: "192.168.1.0/24", comment: "SSH from an admin network" },
      { type: "in", action: "ACCEPT", proto: "tcp", dport: "80", comment: "proxy-traefik (from anywhere)" },
      { type: "in", action: "ACCEPT", proto: "tcp", dport: "443", comment: "proxy-traefik (from anywhere)" },
      { type: "in", action: "ACCEPT", proto: "icmp", source: "192.168.1.0/24", comment: "ICMP from the LAN (ping, path MTU)" },
    ]);
  });
});

describe("HostFirewall rules follow the published ports", () => {
  function lab(props: Omit<HostFirewallProps, "vm"> = {}) {
    const homelab = buildReferenceHomelab(testApp());
    const firewall = new HostFirewall(homelab.infra, "lab_firewall", { vm: homelab.vm, webAccess: "world", ...props });
    return { ...homelab, firewall };
  }

  test("a stack added after the firewall opens its ports: LAN by default, anywhere when asked; loopback ports need no rule", () => {
    const { apps, engine, firewall, infra } = lab({ adminCidrs: ["192.168.1.20/32", "10.8.0.0/24"], worldPorts: [51820] });
    new ComposeStack(apps, "media", {
      engine,
      services: {
        jellyfin: { ...GOOD, image: "jellyfin/jellyfin:10.10.3", ports: [{ hostPort: 8096, containerPort: 8096 }, { hostPort: 7359, containerPort: 7359, protocol: "udp" }] },
        wireguard: { ...GOOD, image: "lscr.io/linuxserver/wireguard:1.0.20210914", ports: [{ hostPort: 51820, containerPort: 51820, protocol: "udp" }] },
        admin: { ...GOOD, image: "nginx:1.27.3-alpine", ports: [{ hostIp: "127.0.0.1", hostPort: 8081, containerPort: 80 }] },
      },
    });
    expect(firewall.rules()).toEqual([
      { proto: "tcp", dport: 22, source: "192.168.1.20/32", comment: "SSH from an admin network" },
      { proto: "tcp", dport: 22, source: "10.8.0.0/24", comment: "SSH from an admin network" },
      { proto: "tcp", dport: 80, source: undefined, comment: "proxy-traefik (from anywhere)" },
      { proto: "tcp", dport: 443, source: undefined, comment: "proxy-traefik (from anywhere)" },
      { proto: "udp", dport: 7359, source: "192.168.1.0/24", comment: "media-jellyfin (from the LAN)" },
      { proto: "tcp", dport: 8096, source: "192.168.1.0/24", comment: "media-jellyfin (from the LAN)" },
      { proto: "udp", dport: 51820, source: undefined, comment: "media-wireguard (from anywhere)" },
    ]);
    const synthesized = synthStack(infra).resource.proxmox_virtual_environment_firewall_rules.lab_firewall_rules.rule;
    expect(synthesized.map((r: any) => `${r.dport}/${r.proto}`)).toEqual(["22/tcp", "22/tcp", "80/tcp", "443/tcp", "7359/udp", "8096/tcp", "51820/udp", "undefined/icmp"]);
  });

  test("web ports stay on the LAN when the proxy does not need the internet", () => {
    const app = testApp();
    const infra = new DockhostStack(app, "infra");
    const vm = new DockhostVm(infra, "dockhost");
    const dockerHost = new DockerHost(infra, "docker", { vm });
    const firewall = new HostFirewall(infra, "firewall", { vm });
    const apps = new DockhostStack(app, "apps");
    // A LAN-only homelab: Traefik's own certificates (or DNS-01), nothing reachable from the internet.
    new ReverseProxy(apps, "proxy", { engine: dockerHost.connect(apps), tls: { mode: "internal" } });
    expect(firewall.rules().filter((r) => r.dport !== 22)).toEqual([
      { proto: "tcp", dport: 80, source: "192.168.1.0/24", comment: "proxy-traefik (from the LAN)" },
      { proto: "tcp", dport: 443, source: "192.168.1.0/24", comment: "proxy-traefik (from the LAN)" },
    ]);
  });
});

describe("HostFirewall bad input", () => {
  test.each<[string, Omit<HostFirewallProps, "vm">, RegExp]>([
    ["an admin CIDR that is not a CIDR", { adminCidrs: ["192.168.1.20"] }, /^dockhost-infra\/bad: invalid adminCidrs\[0\] = "192\.168\.1\.20"; expected an IPv4 network in CIDR notation/],
    ["an admin CIDR with host bits set", { adminCidrs: ["192.168.1.0/24", "10.0.0.1/8"] }, /invalid adminCidrs\[1\] = "10\.0\.0\.1\/8"/],
    ["no admin network at all", { adminCidrs: [] }, /invalid adminCidrs = \[\]; expected at least one network/],
    ["SSH opened to the world", { worldPorts: [22] }, /invalid worldPorts\[0\] = 22; a port other than SSH/],
    ["a web port in worldPorts", { worldPorts: [443] }, /invalid worldPorts\[0\] = 443; a port other than 80 and 443: set webAccess: "world"/],
    ["a port out of range", { worldPorts: [70000] }, /invalid worldPorts\[0\] = 70000; expected a whole number from 1 to 65535/],
    ["an unknown access level", { webAccess: "internet" as never }, /invalid webAccess = "internet"; expected lan or world/],
  ])("refuses %s", (_, props, message) => {
    const homelab = buildReferenceHomelab(testApp());
    expect(() => new HostFirewall(homelab.infra, "bad", { vm: homelab.vm, ...props })).toThrow(message);
  });

  test("refuses to leave port 80 on the LAN when Let's Encrypt must reach it from the internet", () => {
    const homelab = buildReferenceHomelab(testApp());
    const firewall = new HostFirewall(homelab.infra, "lan_only", { vm: homelab.vm, webAccess: "lan" });
    expect(() => firewall.rules()).toThrow(
      /^dockhost-infra\/lan_only: invalid webAccess = "lan"; "world": dockhost-apps\/proxy gets certificates with Let's Encrypt HTTP-01, whose servers must reach port 80 from the internet/,
    );
    expect(() => synthStack(homelab.infra)).toThrow(/invalid webAccess = "lan"/);
  });

  test("refuses a world port that no stack publishes", () => {
    const homelab = buildReferenceHomelab(testApp());
    const firewall = new HostFirewall(homelab.infra, "extra", { vm: homelab.vm, webAccess: "world", worldPorts: [51820] });
    expect(() => firewall.rules()).toThrow(/^dockhost-infra\/extra: invalid worldPorts\[0\] = 51820; a host port a stack on the VM publishes/);
  });

  test("refuses a published port Docker would pick at random, naming the stack and the port", () => {
    const homelab = buildReferenceHomelab(testApp());
    new ComposeStack(homelab.apps, "random", { engine: homelab.engine, services: { app: { ...GOOD, image: "nginx:1.27.3-alpine", ports: [{ containerPort: 80 }] } } });
    expect(() => homelab.firewall.rules()).toThrow(/^dockhost-apps\/random: invalid services\.app\.ports\[0\]\.hostPort = \(missing\); a fixed host port/);
  });

  test("services that publish one port share one rule", () => {
    const homelab = buildReferenceHomelab(testApp());
    new ReverseProxy(homelab.apps, "edge", { engine: homelab.engine, stackName: "edge", tls: { email: "admin@example.com" }, publishHostIp: "192.168.1.10" });
    expect(homelab.firewall.rules().filter((r) => r.dport === 80).map((r) => r.comment)).toEqual(["proxy-traefik, edge-traefik (from anywhere)"]);
  });
});
