/** A test host booted as the reference homelab's VM: its user-data, rendered as Terraform would. */
import { buildReferenceHomelab, ReferenceHomelab, SETTINGS } from "../../main";
import { StackJson, testApp, TEST_SSH_KEY } from "./synth";
import { evaluateTemplate } from "./terraform-template";
import { bootTestHost, TestHost, TestNetwork } from "./test-hosts";

/** The reference homelab on the test LAN, with Debian's packages and no swap (the swap file is the whole machine's). */
export function referenceHomelabOn(net: TestNetwork): ReferenceHomelab {
  return buildReferenceHomelab(testApp(), { ...SETTINGS, lan: { ...SETTINGS.lan, cidr: net.cidr } }, { distribution: "debian", packageSource: "distribution", swapSizeMb: 0 });
}

/** Boots a host with the infra stack's user-data and waits for cloud-init to finish. */
export async function bootReferenceHost(root: string, net: TestNetwork, name: string, infra: StackJson): Promise<TestHost> {
  const userData = evaluateTemplate(infra.resource.proxmox_virtual_environment_file.dockhost_user_data.source_raw.data, {
    "jsonencode(var.ssh_public_keys)": [TEST_SSH_KEY],
    "local.vm_names[count.index]": "dockhost",
  });
  const host = await bootTestHost(root, net, { name, hostNumber: 10, userData });
  host.sh("cloud-init status --wait >/dev/null", { timeoutMs: 300_000 });
  return host;
}
