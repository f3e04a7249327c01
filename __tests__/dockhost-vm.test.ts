import * as fs from "fs";
import * as path from "path";
import { TerraformOutput } from "cdktf";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm, DockhostVmProps } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { buildReferenceHomelab } from "../main";
import { StackJson, synthStack, testApp, TEST_SSH_KEY } from "./support/synth";

function referenceInfra(): StackJson {
  return synthStack(buildReferenceHomelab(testApp()).infra);
}

describe("reference homelab: dockhost-infra", () => {
  const infra = referenceInfra();
  const vm = infra.resource.proxmox_virtual_environment_vm.dockhost;

  test("clones template 9001 into VM ids from 9010 with the seed's size", () => {
    expect(vm.clone).toEqual({ vm_id: "${var.vm_template_id}", full: true, datastore_id: "local-lvm" });
    expect(vm.vm_id).toBe("${var.vm_baseid + count.index}");
    expect(vm.count).toBe("${var.vm_count}");
    expect(vm.cpu.cores).toBe("${var.vm_cpu_cores}");
    expect(vm.memory.dedicated).toBe("${var.vm_memory}");
    expect(vm.disk).toEqual([expect.objectContaining({ interface: "scsi0", size: "${var.vm_disk0_size}", ssd: true })]);
    expect(vm.name).toBe("${local.vm_names[count.index]}");
    expect(vm.description).toBe("${var.project_description}");
    expect(vm.protection).toBe(true);
    expect(vm.agent).toEqual({ enabled: true });
  });

  test("the variables keep the original module's names and defaults", () => {
    const defaults = Object.fromEntries(Object.entries<any>(infra.variable).map(([name, v]) => [name, v.default]));
    expect(defaults).toMatchObject({
      vm_count: 1,
      vm_template_id: 9001,
      vm_disk0_size: 50,
      vm_cpu_cores: 3,
      vm_memory: 10240,
      vm_name_prefix: "dockhost",
      vm_baseid: 9010,
      vm_ip_start: 10,
      project_description: "VM for dockhost project - All Docker apps",
    });
    for (const name of ["vm_count", "vm_template_id", "vm_disk0_size", "vm_cpu_cores", "vm_memory", "vm_baseid", "vm_ip_start"]) {
      expect(infra.variable[name].type).toBe("number");
      expect(infra.variable[name].validation.length).toBeGreaterThan(0);
    }
  });

  test("the first VM is named exactly the prefix; more VMs get -2, -3 (see vmName)", () => {
    expect(infra.locals.vm_names).toBe(
      '${[for i in range(var.vm_count) : i == 0 ? var.vm_name_prefix : format("%s-%d", var.vm_name_prefix, i + 1)]}',
    );
  });

  test("static address .10/24 on vmbr0 with gateway .1 and DNS .1, 1.1.1.1", () => {
    expect(vm.initialization.ip_config).toEqual([
      { ipv4: { address: '${cidrhost("192.168.1.0/24", var.vm_ip_start + count.index)}/24', gateway: "192.168.1.1" } },
    ]);
    expect(vm.initialization.dns).toEqual({ servers: ["192.168.1.1", "1.1.1.1"] });
    expect(vm.network_device).toEqual([expect.objectContaining({ bridge: "vmbr0", model: "virtio", vlan_id: null, firewall: true })]);
  });

  test("network_device carries every key of bpg's object type (JSON needs them, null where unused)", () => {
    expect(Object.keys(vm.network_device[0]).sort()).toEqual(
      ["bridge", "disconnected", "enabled", "firewall", "mac_address", "model", "mtu", "queues", "rate_limit", "trunks", "vlan_id"],
    );
  });

  test("boots from a user-data snippet uploaded to the snippets datastore", () => {
    const file = infra.resource.proxmox_virtual_environment_file.dockhost_user_data;
    expect(file).toMatchObject({ content_type: "snippets", datastore_id: "local", node_name: "pve", count: "${var.vm_count}" });
    expect(vm.initialization.user_data_file_id).toBe("${proxmox_virtual_environment_file.dockhost_user_data[count.index].id}");
    const data: string = file.source_raw.data;
    expect(data.startsWith("#cloud-config\n")).toBe(true);
    expect(data).toContain("ssh_authorized_keys: ${jsonencode(var.ssh_public_keys)}");
    expect(data).toContain("ssh_pwauth: false");
    expect(data).toContain("lock_passwd: true");
    expect(data).toContain("qemu-guest-agent");
  });

  test("user-specific values are variables without personal defaults; secrets are sensitive", () => {
    expect(infra.variable.ssh_public_keys.default).toBeUndefined();
    expect(infra.variable.proxmox_endpoint.default).toBeUndefined();
    expect(infra.variable.proxmox_api_token).toMatchObject({ sensitive: true, default: null });
    expect(infra.variable.proxmox_ssh_private_key).toMatchObject({ sensitive: true, default: null });
    expect(infra.provider.proxmox[0]).toMatchObject({
      endpoint: "${var.proxmox_endpoint}",
      api_token: "${var.proxmox_api_token}",
      ssh: { agent: "${var.proxmox_ssh_private_key == null}", private_key: "${var.proxmox_ssh_private_key}" },
    });
  });

  test("state lives in the project folder through a relative path", () => {
    expect(infra.terraform.backend.local.path).toBe("../../../terraform.dockhost-infra.tfstate");
  });

  test("snapshot", () => {
    expect(infra).toMatchSnapshot();
  });
});

describe("DockhostVm props", () => {
  function build(props: DockhostVmProps): StackJson {
    const stack = new DockhostStack(testApp(), "infra");
    new ProxmoxConnection(stack, "proxmox");
    new DockhostVm(stack, "dockhost", props);
    return synthStack(stack);
  }

  test("props set the variables' defaults and the LAN", () => {
    const json = build({
      count: 3, baseId: 200, templateId: 150, ipStart: 50, cpuCores: 4, memoryMb: 16384, disk0SizeGb: 80,
      lan: { cidr: "10.20.0.0/16", gateway: "10.20.0.254", dnsServers: ["10.20.0.53"], bridge: "vmbr1", vlanId: 20 },
      sshPublicKeys: [TEST_SSH_KEY],
    });
    expect(json.variable.vm_count.default).toBe(3);
    expect(json.variable.vm_baseid.default).toBe(200);
    expect(json.variable.ssh_public_keys.default).toEqual([TEST_SSH_KEY]);
    const vm = json.resource.proxmox_virtual_environment_vm.dockhost;
    expect(vm.initialization.ip_config[0].ipv4).toEqual({ address: '${cidrhost("10.20.0.0/16", var.vm_ip_start + count.index)}/16', gateway: "10.20.0.254" });
    expect(vm.network_device[0]).toMatchObject({ bridge: "vmbr1", vlan_id: 20 });
    expect(json.variable.vm_ip_start.validation[1].condition).toBe("${var.vm_ip_start + var.vm_count - 1 <= 65534}");
  });

  test("instances expose id, name and address references for other constructs", () => {
    const stack = new DockhostStack(testApp(), "infra");
    const vm = new DockhostVm(stack, "dockhost", { count: 2 });
    expect(vm.instances).toHaveLength(2);
    new TerraformOutput(stack, "second_id", { value: vm.instances[1].vmId });
    new TerraformOutput(stack, "first_address", { value: vm.instances[0].address });
    const outputs = synthStack(stack).output;
    expect(outputs.second_id.value).toBe("${proxmox_virtual_environment_vm.dockhost[1].vm_id}");
    expect(outputs.first_address.value).toBe(
      '${element(split("/", proxmox_virtual_environment_vm.dockhost[0].initialization[0].ip_config[0].ipv4[0].address), 0)}',
    );
    expect(vm.vmName(1)).toBe("dockhost-2");
  });

  const bad: Array<[string, DockhostVmProps, RegExp]> = [
    ["invalid CIDR", { lan: { cidr: "192.168.1.0/33" } }, /lan\.cidr = "192\.168\.1\.0\/33"; expected an IPv4 network/],
    ["CIDR that is not a network address", { lan: { cidr: "192.168.1.7/24" } }, /lan\.cidr = "192\.168\.1\.7\/24"/],
    ["gateway outside the subnet", { lan: { gateway: "10.0.0.1" } }, /lan\.gateway = "10\.0\.0\.1"; expected a host address of 192\.168\.1\.0\/24/],
    ["gateway on the network address", { lan: { gateway: "192.168.1.0" } }, /lan\.gateway = "192\.168\.1\.0"; .*not its network or broadcast/],
    ["gateway on the broadcast address", { lan: { gateway: "192.168.1.255" } }, /lan\.gateway = "192\.168\.1\.255"/],
    ["first IP on the broadcast address", { ipStart: 255 }, /ipStart = 255; expected a whole number from 1 to 254/],
    ["first IP on the network address", { ipStart: 0 }, /ipStart = 0; expected a whole number from 1 to 254/],
    ["IPs running past the subnet", { ipStart: 253, count: 3 }, /ipStart = 253; 3 VMs from host 253 run past the last host \(254\)/],
    ["IPs covering the gateway", { lan: { gateway: "192.168.1.11" }, count: 2 }, /ipStart = 10; .*must not include the gateway 192\.168\.1\.11/],
    ["template id equal to a VM id", { templateId: 9011, count: 2 }, /templateId = 9011; expected an id outside the VMs' ids 9010\.\.9011/],
    ["VM id below Proxmox's range", { baseId: 99 }, /baseId = 99; expected a whole number from 100 to 999999999/],
    ["VM id above Proxmox's range", { baseId: 999_999_999, count: 2 }, /baseId = 999999999; VM ids run to 1000000000/],
    ["template id out of range", { templateId: 1_000_000_000 }, /templateId = 1000000000/],
    ["zero cores", { cpuCores: 0 }, /cpuCores = 0; expected a whole number from 1 to 512/],
    ["negative memory", { memoryMb: -1 }, /memoryMb = -1; expected a whole number from 1024/],
    ["zero disk", { disk0SizeGb: 0 }, /disk0SizeGb = 0; expected a whole number from 16/],
    ["fractional cores", { cpuCores: 1.5 }, /cpuCores = 1\.5/],
    ["count below 1", { count: 0 }, /count = 0; expected a whole number from 1 to 100/],
    ["empty SSH key list", { sshPublicKeys: [] }, /sshPublicKeys = \[\]; expected at least one SSH public key/],
    ["malformed SSH key", { sshPublicKeys: ["ssh-ed25519 not-base64!"] }, /sshPublicKeys\[0\] = "ssh-ed25519 not-base64!"/],
    ["SSH key whose blob is another type", { sshPublicKeys: [TEST_SSH_KEY.replace("ssh-ed25519", "ssh-rsa")] }, /sshPublicKeys\[0\]/],
    ["name prefix that is not a DNS label", { namePrefix: "Dock_Host" }, /namePrefix = "Dock_Host"; expected a lowercase DNS label/],
    ["invalid DNS server", { lan: { dnsServers: ["1.1.1"] } }, /lan\.dnsServers\[0\] = "1\.1\.1"; expected an IPv4 address/],
    ["VLAN out of range", { lan: { vlanId: 4095 } }, /lan\.vlanId = 4095/],
    ["bad Proxmox tag", { tags: ["Docker Host"] }, /tags\[0\] = "Docker Host"/],
  ];

  test.each(bad)("%s: throws naming the construct path, key and value", (_, props, message) => {
    const stack = new DockhostStack(testApp(), "infra");
    expect(() => new DockhostVm(stack, "dockhost", props)).toThrow(message);
    expect(() => new DockhostVm(stack, "dockhost2", props)).toThrow(/^infra\/dockhost2: invalid /);
  });

  test("a throwing constructor leaves nothing synthesized", () => {
    const app = testApp();
    expect(() => {
      const stack = new DockhostStack(app, "infra");
      new DockhostVm(stack, "dockhost", { count: 0 });
      app.synth();
    }).toThrow(/count = 0/);
    expect(fs.existsSync(path.join(app.outdir, "stacks", "infra", "cdk.tf.json"))).toBe(false);
  });
});

describe("VM identity across the app", () => {
  test("one DockhostVm per stack: a second one would share vm_count, vm_baseid, ...", () => {
    const infra = new DockhostStack(testApp(), "infra");
    new DockhostVm(infra, "first");
    expect(() => new DockhostVm(infra, "second")).toThrow("infra/second: invalid scope = \"infra\"; one DockhostVm per stack (infra/first is already in it)");
  });

  test("VM ids and LAN addresses are checked across every stack of the app (DH-CONFLICT-VM)", () => {
    const app = testApp();
    for (const [stack, props] of [["infra-a", { count: 2 }], ["infra-b", { baseId: 9011, ipStart: 20 }], ["infra-c", { baseId: 9100, ipStart: 11 }]] as const) {
      const infra = new DockhostStack(app, stack);
      new ProxmoxConnection(infra, "proxmox");
      new DockhostVm(infra, "dockhost", props);
    }
    expect(() => app.synth()).toThrow(/\[DH-CONFLICT-VM\] infra-b\/dockhost: VM id 9011: VM id 9011 is also claimed by infra-a\/dockhost/);
    expect(app.policyReport!.errors.map((e) => `${e.path}: ${e.key}`)).toEqual(["infra-b/dockhost: VM id 9011", "infra-c/dockhost: LAN address host 11 of 192.168.1.0/24"]);
  });
});
