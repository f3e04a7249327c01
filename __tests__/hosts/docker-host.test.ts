/**
 * Host tier: the reference homelab's infra stack deployed for real onto a throwaway Debian host
 * (support/test-hosts.ts) with `terraform apply` (stand-in Proxmox and null providers; the SSH
 * provisioners on), the user-data Terraform renders booted through the real cloud-init, and the
 * real dockerd reading our daemon.json. Tests run in order and share one host.
 *
 * What cloud-init cannot do on a test host (a container, not a VM), and why:
 * - no network configuration: the namespace's address is set from outside (`network: {config:
 *   disabled}`); a DHCP config would make networking.service wait minutes for a lease;
 * - no package downloads: no mirror is reachable, so the root has every package of the user-data
 *   installed and an empty sources list; `package_update`/`package_upgrade`/`packages` run and
 *   find nothing to do;
 * - no QEMU guest agent: there is no virtio-serial port (its unit is masked; `systemctl enable
 *   --now qemu-guest-agent` in runcmd fails, and runcmd goes on);
 * - no disk growth (growpart, resizefs): the root is a directory, not a partition;
 * - the hostname module sets the UTS hostname of the container only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { buildReferenceHomelab, ReferenceHomelab } from "../../lib/reference-homelab";
import { DockerHostProps } from "../../constructs/docker-host";
import { synthAll, StackJson, testApp } from "../support/synth";
import { evaluateTemplate } from "../support/terraform-template";
import { PlanJson, prepareWorkspace, TerraformError, TerraformWorkspace } from "../support/terraform/harness";
import {
  bootTestHost, createTestNetwork, describeWithTestHosts, ensureRoot, makeSshKey, must, networkLeftovers, run, startSshAgent, SshAgent, teardownTestHosts, TestHost, TestNetwork, waitFor,
} from "../support/test-hosts";

/** Host number of the VM in the test LAN (vm_ip_start's default, the seed's .10). */
const VM_HOST_NUMBER = 10;
/** A small swap file: it is the whole machine's while the host runs. */
const SWAP_MB = 64;

/** What the host says about its first boot, for failure messages. */
function diagnostics(host: TestHost): string {
  const r = host.exec(["sh", "-c", "cloud-init status --long; cat /run/cloud-init/result.json; grep -E 'WARNING|ERROR|Traceback|failed' /var/log/cloud-init.log | tail -40; tail -30 /var/log/cloud-init-output.log; systemctl --failed --no-legend; systemctl is-active docker ssh"]);
  return r.stdout + r.stderr;
}

describeWithTestHosts("a dockhost deployed onto a test host", () => {
  let net: TestNetwork;
  let ws: TerraformWorkspace;
  let agent: SshAgent;
  let host: TestHost | undefined;
  let homelab: ReferenceHomelab;
  let stacks: Record<string, StackJson>;
  let publicKey: string;
  let knownHosts: string;
  let rootDir: string;
  let cleanupKeys = (): void => undefined;
  const timings: Record<string, number> = {};
  const infraVars = () => ({ ssh_public_keys: JSON.stringify([publicKey]), proxmox_endpoint: "https://127.0.0.1:8006/", ssh_provisioners_enabled: true });

  /** The reference homelab on the test LAN, Debian packages, small swap; `dockerHost` on top. */
  function synthHomelab(dockerHost: Partial<DockerHostProps> = {}): { homelab: ReferenceHomelab; stacks: Record<string, StackJson>; outdir: string } {
    const h = buildReferenceHomelab(testApp(), {
      vm: { lan: { cidr: net.cidr } },
      dockerHost: { distribution: "debian", packageSource: "distribution", swapSizeMb: SWAP_MB, knownHostsFile: knownHosts, readinessAttempts: 12, ...dockerHost },
    });
    return { homelab: h, stacks: synthAll(h.app as App), outdir: path.join(h.app.outdir, "stacks") };
  }

  /** Puts a re-synthesized infra stack into the workspace (its state stays). */
  function replaceInfra(dockerHost: Partial<DockerHostProps>): void {
    const next = synthHomelab(dockerHost);
    fs.copyFileSync(path.join(next.outdir, "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
  }

  beforeAll(async () => {
    let started = Date.now();
    const root = ensureRoot();
    rootDir = root.root;
    timings[root.built ? "debootstrap root (built)" : "debootstrap root (cached)"] = Date.now() - started;
    net = createTestNetwork();
    // The deploying machine's key: in an agent (terraform's ssh inherits SSH_AUTH_SOCK); the
    // known_hosts file in the test's folder, never in root's ~/.ssh.
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-host-keys-"));
    cleanupKeys = () => fs.rmSync(keyDir, { recursive: true, force: true });
    const key = makeSshKey(keyDir);
    publicKey = key.publicKey;
    knownHosts = path.join(keyDir, "dockhost_known_hosts");
    agent = await startSshAgent(keyDir, key.privateKey);
    process.env.SSH_AUTH_SOCK = agent.socket;
    started = Date.now();
    const synthesized = synthHomelab();
    homelab = synthesized.homelab;
    stacks = synthesized.stacks;
    ws = prepareWorkspace(synthesized.outdir, { timeoutMs: 600_000 });
    timings.synth = Date.now() - started;
  }, 20 * 60_000);

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`host tier timings (ms): ${JSON.stringify(timings)}`);
    ws?.cleanup();
    cleanupKeys();
    teardownTestHosts(); // the host, the agent, the network: whatever is left, by PID and name
    if (net) expect(networkLeftovers(net)).toEqual([]);
  });

  /** The user-data exactly as Terraform renders it for VM 0 (from the plan of the infra stack). */
  async function renderedUserData(): Promise<string> {
    const plan = await ws.plan("dockhost-infra", { vars: infraVars() });
    if (!plan.ok) throw new Error(plan.error);
    const resources = (plan.plan as PlanJson & { planned_values: any }).planned_values.root_module.resources as any[];
    const file = resources.find((r) => r.address === "proxmox_virtual_environment_file.dockhost_user_data[0]");
    return file.values.source_raw[0].data;
  }

  test("terraform apply waits for the host (SSH, cloud-init, docker info) and runs day 2 over SSH", async () => {
    const userData = await renderedUserData();
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData).toContain(publicKey);
    // Apply first, boot a few seconds later: the gate must wait for a host that is not there yet.
    const applyStarted = Date.now();
    const apply = ws.apply("dockhost-infra", { vars: infraVars(), sshToTestHosts: true });
    await new Promise((r) => setTimeout(r, 5000));
    const bootStarted = Date.now();
    host = await bootTestHost(rootDir, net, { name: "dockhost", hostNumber: VM_HOST_NUMBER, userData });
    timings.boot = Date.now() - bootStarted;
    const result = await apply.catch((error) => {
      throw new Error(`${error.message}\n--- on the host:\n${diagnostics(host!)}`);
    });
    timings["terraform apply (gate + day 2)"] = Date.now() - applyStarted;
    expect(result.stdout).toContain(`dockhost: Docker is ready on dockhost@${net.address(VM_HOST_NUMBER)}`);
    expect(result.stdout).toMatch(/null_resource\.docker_host_apply\[0\]: Creation complete/);
    // The gate returned only after cloud-init had finished on the host.
    const finished = JSON.parse(host.sh("cat /run/cloud-init/result.json"));
    expect(finished.v1.errors).toEqual([]);
    const cloudInitDone = Number(host.sh("stat -c %Y /run/cloud-init/result.json").trim()) * 1000;
    expect(cloudInitDone).toBeGreaterThan(bootStarted - 1000);
    expect(cloudInitDone).toBeLessThan(Date.now());
    // Day 2 wrote the host files again (atomically, through *.dockhost-new) and re-ran the setup.
    const daemonJsonChanged = Number(host.sh("stat -c %Z /etc/docker/daemon.json").trim()) * 1000;
    expect(daemonJsonChanged).toBeGreaterThanOrEqual(cloudInitDone - 1000);
  });
});
