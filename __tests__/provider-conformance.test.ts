import { buildReferenceHomelab } from "../main";
import { conformanceProblems } from "./support/schema-conformance";
import { synthStack, testApp } from "./support/synth";

const PROXMOX = "registry.terraform.io/bpg/proxmox";

describe("synthesized proxmox_* blocks against bpg/proxmox 0.111.1's real schema", () => {
  test("the reference infra stack conforms", () => {
    const infra = synthStack(buildReferenceHomelab(testApp()).infra);
    expect(Object.keys(infra.resource).filter((t) => t.startsWith("proxmox_")).length).toBeGreaterThan(0);
    expect(conformanceProblems(infra, PROXMOX, "proxmox_")).toEqual([]);
  });

  // The checker must be able to fail: each injected defect is reported.
  test.each([
    ["unknown key", (vm: any) => (vm.cores = 4), "proxmox_virtual_environment_vm.dockhost.cores: unknown key"],
    ["computed-only key", (vm: any) => (vm.ipv4_addresses = []), "proxmox_virtual_environment_vm.dockhost.ipv4_addresses: computed-only attribute is set"],
    ["required key missing", (vm: any) => delete vm.node_name, "proxmox_virtual_environment_vm.dockhost.node_name: required attribute missing"],
    ["nested required key missing", (vm: any) => delete vm.clone.vm_id, "proxmox_virtual_environment_vm.dockhost.clone[0].vm_id: required attribute missing"],
    ["unknown nested key", (vm: any) => (vm.cpu.threads = 2), "proxmox_virtual_environment_vm.dockhost.cpu[0].threads: unknown key"],
    ["object key missing in list(object)", (vm: any) => delete vm.network_device[0].mtu, "proxmox_virtual_environment_vm.dockhost.network_device[0].mtu: object attribute missing"],
    ["two blocks where one is allowed", (vm: any) => (vm.cpu = [vm.cpu, vm.cpu]), "proxmox_virtual_environment_vm.dockhost.cpu: 2 blocks, at most 1 allowed"],
  ])("catches an injected defect: %s", (_, inject, expected) => {
    const infra = synthStack(buildReferenceHomelab(testApp()).infra);
    inject(infra.resource.proxmox_virtual_environment_vm.dockhost);
    expect(conformanceProblems(infra, PROXMOX, "proxmox_").join("\n")).toContain(expected);
  });

  test("the provider block is checked too", () => {
    const infra = synthStack(buildReferenceHomelab(testApp()).infra);
    infra.provider.proxmox[0].api_key = "x";
    expect(conformanceProblems(infra, PROXMOX, "proxmox_")).toContain("provider.proxmox[0].api_key: unknown key");
  });
});
