/**
 * `dockhost doctor` against a fake Proxmox API on loopback whose every answer is validated against
 * the official API schema (support/fake-proxmox.ts): each misconfiguration is reported with its
 * fix, a healthy server gives none, and doctor only ever reads.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostStack } from "../../constructs/dockhost-stack";
import { DockhostVm } from "../../constructs/dockhost-vm";
import { HostFirewall } from "../../constructs/host-firewall";
import { ProxmoxConnection } from "../../constructs/proxmox-connection";
import { VmBackup } from "../../constructs/vm-backup";
import { driveSizeGiB, templateDisks } from "../../lib/cli/doctor/proxmox-checks";
import { runCli } from "../support/cli";
import { FAKE_TOKEN, FakeProxmox, FakeProxmoxState, healthyState, startFakeProxmox } from "../support/fake-proxmox";
import { pveResponseErrors } from "../support/pve-schema";
import { tempDir, testApp } from "../support/synth";

let agent: ChildProcess;
let agentSocket: string;
let noStacks: string;

beforeAll(async () => {
  // A real ssh-agent holding a throwaway key: the local checks pass only with one.
  const dir = tempDir("ssh-agent");
  agentSocket = path.join(dir, "agent.sock");
  agent = spawn("ssh-agent", ["-D", "-a", agentSocket], { stdio: "ignore" });
  for (let i = 0; i < 100 && !fs.existsSync(agentSocket); i++) await new Promise((r) => setTimeout(r, 50));
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "doctor-test", "-f", path.join(dir, "id")]);
  const added = spawnSync("ssh-add", [path.join(dir, "id")], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, encoding: "utf8" });
  if (added.status !== 0) throw new Error(`ssh-add failed: ${added.stderr}`);
  noStacks = tempDir("no-stacks");
});

afterAll(() => {
  agent?.kill();
});

/** Runs doctor against a fake shaped by `shape` (from a healthy one); the fake closes afterwards. */
async function doctor(shape: (state: FakeProxmoxState) => void = () => undefined, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const state = healthyState();
  shape(state);
  const fake = await startFakeProxmox(state);
  try {
    const run = await runCli(["doctor", "--endpoint", fake.endpoint, ...args], {
      cwd: noStacks,
      env: { PATH: process.env.PATH, SSH_AUTH_SOCK: agentSocket, PROXMOX_VE_API_TOKEN: FAKE_TOKEN, ...env },
    });
    return { ...run, fake };
  } finally {
    await fake.close();
  }
}

/** The FAIL lines with their fix lines. */
const failures = (text: string) =>
  text
    .split("\n")
    .map((line, i, lines) => (line.startsWith("  FAIL ") ? `${line.slice(7)} || ${lines[i + 1]?.replace(/^\s+fix: /, "")}` : undefined))
    .filter((line): line is string => line !== undefined);

function expectOnlyGets(fake: FakeProxmox) {
  expect(fake.requests.length).toBeGreaterThan(0);
  expect(fake.requests.filter((r) => !r.startsWith("GET "))).toEqual([]);
  expect(fake.schemaErrors).toEqual([]);
}

describe("the fake Proxmox API is held to the official schema", () => {
  test("the healthy fake's answers conform, and a wrong answer is caught (the check is live)", async () => {
    const fake = await startFakeProxmox();
    await fake.close();
    expect(pveResponseErrors("/cluster/resources", [{ id: "qemu/9001", type: "qemu", vmid: 9001, template: 1 }])).toEqual([]);
    // A boolean is 0 or 1, an id and a type are required, a type is one of the schema's.
    expect(pveResponseErrors("/cluster/resources", [{ id: "qemu/9001", type: "qemu", vmid: 9001, template: "yes" }]).join()).toMatch(/template/);
    expect(pveResponseErrors("/cluster/resources", [{ vmid: 9001 }]).join()).toMatch(/required property 'id'/);
    expect(pveResponseErrors("/cluster/resources", [{ id: "x/1", type: "vm" }]).join()).toMatch(/type/);
    // A VM configuration needs its digest; a drive is a property string with known keys and a valid size.
    expect(pveResponseErrors("/nodes/{node}/qemu/{vmid}/config", { scsi0: "local-lvm:base-9001-disk-0,size=3584M" }).join()).toMatch(/digest/);
    const digest = "3d1f0d6e2a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d";
    expect(pveResponseErrors("/nodes/{node}/qemu/{vmid}/config", { digest, scsi0: "local-lvm:base-9001-disk-0,size=3584M" })).toEqual([]);
    expect(pveResponseErrors("/nodes/{node}/qemu/{vmid}/config", { digest, scsi0: "local-lvm:base-9001-disk-0,size=big" }).join()).toMatch(/size.*disk-size/);
    expect(pveResponseErrors("/nodes/{node}/qemu/{vmid}/config", { digest, scsi0: "local-lvm:base-9001-disk-0,colour=red" }).join()).toMatch(/unknown key "colour"/);
    expect(pveResponseErrors("/nodes/{node}/storage", [{ storage: "local", type: "dir" }]).join()).toMatch(/content/);
  });

  test("a non-conforming answer is not sent: doctor fails and the fake records why", async () => {
    const run = await doctor((s) => (s.nodes = ["not a node name"]));
    expect(run.code).toBe(1);
    expect(run.fake.schemaErrors.join()).toMatch(/GET \/nodes answer: .*not a valid pve-node/);
  });
});

describe("dockhost doctor", () => {
  test("a healthy Proxmox and machine: no problem, exit 0, only GETs, token never printed", async () => {
    const run = await doctor();
    expect(failures(run.all)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Node\.js .* \(>= 20\.0\.0\)/);
    expect(run.out).toMatch(/SSH agent at .* holds 1 key/);
    expect(run.out).toContain("Proxmox VE 9.1.1 answers; token dockhost@pve!doctor is accepted");
    expect(run.out).toContain('template 9001 ("ubuntu-noble-cloudinit") is a template on pve');
    expect(run.out).toContain("template 9001's disk is scsi0, 3.5 GB <= 50 GB");
    expect(run.out).toContain("VM id 9010 is free");
    expect(run.out).toMatch(/has every privilege the stacks need/);
    expect(run.out).toContain("No problem found.");
    expect(run.all).not.toContain(FAKE_TOKEN.split("=")[1]);
    expectOnlyGets(run.fake);
  });

  test("node missing", async () => {
    const run = await doctor((s) => (s.nodes = ["pve2"]));
    expect(failures(run.all)).toEqual([expect.stringMatching(/^node "pve" is not in this cluster .*its nodes: pve2 \|\| set DockhostVm's nodeName in main\.ts to one of: pve2$/)]);
    expect(run.code).toBe(1);
  });

  test("template missing", async () => {
    const run = await doctor((s) => (s.guests = s.guests.filter((g) => g.vmid !== 9001)));
    expect(failures(run.all)).toEqual([expect.stringMatching(/^template 9001 does not exist .*\|\| create a cloud-init template with id 9001 .*qm template 9001.*or set templateId in main\.ts \(or TF_VAR_vm_template_id\)/)]);
  });

  test("template id is a VM, not a template", async () => {
    const run = await doctor((s) => (s.guests = s.guests.map((g) => (g.vmid === 9001 ? { ...g, template: 0 } : g))));
    expect(failures(run.all)).toEqual([expect.stringMatching(/^VM 9001 \("ubuntu-noble-cloudinit"\) is not a template .*\|\| .*qm template 9001 \(on node pve\)/)]);
  });

  test("template disk on another interface than scsi0", async () => {
    const run = await doctor((s) => {
      const { scsi0, ...rest } = s.configs[9001];
      s.configs[9001] = { ...rest, virtio0: scsi0, boot: "order=virtio0" };
    });
    expect(failures(run.all)).toEqual([expect.stringMatching(/^template 9001's disk is on virtio0, not scsi0.* \|\| move it to scsi0 on the template: qm set 9001 --delete virtio0/)]);
    expectOnlyGets(run.fake);
  });

  test("template disk larger than vm_disk0_size", async () => {
    const run = await doctor((s) => (s.configs[9001].scsi0 = "local-lvm:base-9001-disk-0,size=60G"));
    expect(failures(run.all)).toEqual([
      expect.stringMatching(/^template 9001's scsi0 is 60 GB, larger than vm_disk0_size 50 GB.* \|\| raise disk0SizeGb in main\.ts \(or TF_VAR_vm_disk0_size\) to at least 60/),
    ]);
  });

  test("snippets content type not enabled on the snippets datastore", async () => {
    const run = await doctor((s) => (s.storages.pve[0] = { storage: "local", type: "dir", content: "iso,vztmpl,backup" }));
    expect(failures(run.all)).toEqual([
      expect.stringMatching(/^datastore "local" does not have the snippets content type enabled \(content: iso, vztmpl, backup\).* \|\| enable it: pvesm set local --content iso,vztmpl,backup,snippets/),
    ]);
  });

  test("disk datastore without the disk image content type", async () => {
    const run = await doctor((s) => (s.storages.pve[1] = { storage: "local-lvm", type: "lvmthin", content: "rootdir" }));
    expect(failures(run.all)).toEqual([expect.stringMatching(/^datastore "local-lvm" \(VM disks\) is not enabled for disk images \|\| set datastoreId in main\.ts to a datastore with the Disk image content type \(on pve: none\)/)]);
  });

  test("VM ids already taken; this homelab's own deployed VM is not a problem", async () => {
    const taken = await doctor((s) => s.guests.push({ vmid: 9011, node: "pve", name: "pihole" }), ["--count", "2"]);
    expect(failures(taken.all)).toEqual([expect.stringMatching(/^VM id 9011 is taken by qemu "pihole" on node pve .*\|\| choose free ids: set baseId in main\.ts \(or TF_VAR_vm_baseid\) so that 2 ids from it are free, e\.g\. 9012/)]);
    const deployed = await doctor((s) => s.guests.push({ vmid: 9010, node: "pve", name: "dockhost" }));
    expect(failures(deployed.all)).toEqual([]);
    expect(deployed.out).toContain('VM id 9010 is this homelab\'s VM "dockhost" (already deployed)');
  });

  test("datacenter firewall off while a HostFirewall is declared (and not a problem without one)", async () => {
    const off = (s: FakeProxmoxState) => (s.firewall = { enable: 0 });
    const declared = await doctor(off, ["--firewall"]);
    expect(failures(declared.all)).toEqual([expect.stringMatching(/^the datacenter firewall is off: .*\|\| turn it on \(Datacenter > Firewall > Options > Firewall: Yes, or pvesh set \/cluster\/firewall\/options --enable 1\)/)]);
    const none = await doctor(off);
    expect(failures(none.all)).toEqual([]);
    expect(none.fake.requests.some((r) => r.includes("/cluster/firewall/options"))).toBe(false);
  });

  test("an API token without the privileges the stacks need", async () => {
    const run = await doctor((s) => {
      s.acl = { "/": s.acl["/"].filter((p) => p !== "VM.Clone" && p !== "SDN.Use"), "/vms/9010": ["VM.Audit"] };
    });
    const lines = failures(run.all);
    expect(lines).toEqual([
      expect.stringMatching(/^token dockhost@pve!doctor lacks VM\.Clone on \/vms\/9001 \(to clone the template\) \|\| .*pveum role add Dockhost -privs ".*VM\.Clone.*".*pveum acl modify \/ --tokens 'dockhost@pve!doctor' --roles Dockhost/),
      expect.stringMatching(/^token dockhost@pve!doctor lacks VM\.Allocate, VM\.Config\.Disk, .*VM\.PowerMgmt, VM\.GuestAgent\.Audit or VM\.GuestAgent\.Unrestricted or VM\.Monitor on \/vms\/9010/),
      expect.stringMatching(/^token dockhost@pve!doctor lacks SDN\.Use on \/sdn\/zones\/localnetwork\/vmbr0 \(to attach the VM to its bridge\)/),
    ]);
    // Permissions are read per path, so Proxmox's own inheritance decides.
    expect(run.fake.requests).toContain("GET /api2/json/access/permissions?path=%2Fvms%2F9010");
  });

  test("what the token may not read is a note, and its missing privilege the problem", async () => {
    const run = await doctor((s) => (s.acl = { "/": s.acl["/"].filter((p) => p !== "Sys.Audit"), "/vms/9001": ["VM.Clone"] }), ["--firewall"]);
    expect(run.out).toContain("note template 9001's disk was not checked: the token cannot read its configuration (VM.Audit on /vms/9001)");
    expect(run.out).toContain("note the datacenter firewall was not checked: reading it needs Sys.Audit on / (the stacks themselves do not)");
    expect(failures(run.all)).toEqual([expect.stringMatching(/^token dockhost@pve!doctor lacks VM\.Audit on \/vms\/9001 \(to clone the template\)/)]);
    expect(run.fake.schemaErrors).toEqual([]);
  });

  test("credentials: missing, malformed (the value is never shown), refused, unreachable", async () => {
    const env = { PATH: process.env.PATH, SSH_AUTH_SOCK: agentSocket };
    const missing = await runCli(["doctor"], { cwd: noStacks, env });
    expect(failures(missing.all)).toEqual([expect.stringMatching(/^not checked: PROXMOX_VE_ENDPOINT and PROXMOX_VE_API_TOKEN not set/)]);
    expect(missing.code).toBe(1);
    const malformed = await runCli(["doctor", "--endpoint", "http://127.0.0.1:9/"], { cwd: noStacks, env: { ...env, PROXMOX_VE_API_TOKEN: "hunter2-secret" } });
    expect(failures(malformed.all)).toEqual([expect.stringMatching(/^PROXMOX_VE_API_TOKEN is not of the form user@realm!id=secret \(value not shown\)/)]);
    expect(malformed.all).not.toContain("hunter2");
    const refused = await doctor(() => undefined, [], { PROXMOX_VE_API_TOKEN: "dockhost@pve!doctor=wrong" });
    expect(failures(refused.all)).toEqual([expect.stringMatching(/^the API token was refused \(GET \/version: HTTP 401/)]);
    expect(refused.all).not.toContain("=wrong");
    const unreachable = await runCli(["doctor", "--endpoint", "http://127.0.0.1:1/"], { cwd: noStacks, env: { ...env, PROXMOX_VE_API_TOKEN: FAKE_TOKEN } });
    expect(failures(unreachable.all)).toEqual([expect.stringMatching(/^could not read the Proxmox API at http:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED.* \|\| check the endpoint/)]);
    const local = await runCli(["doctor", "--local"], { cwd: noStacks, env });
    expect(local.code).toBe(0);
    expect(local.all).not.toContain("Proxmox");
  });

  test("HTTPS with Proxmox's self-signed certificate: refused with the fix, accepted with --insecure", async () => {
    const fake = await startFakeProxmox(healthyState(), { tls: true });
    try {
      const env = { PATH: process.env.PATH, SSH_AUTH_SOCK: agentSocket, PROXMOX_VE_API_TOKEN: FAKE_TOKEN };
      const strict = await runCli(["doctor", "--endpoint", fake.endpoint], { cwd: noStacks, env });
      expect(failures(strict.all)).toEqual([expect.stringMatching(/^could not read the Proxmox API at https:\/\/127\.0\.0\.1:\d+\/: .*certificate.* \|\| the server's certificate is not trusted: pass --insecure/)]);
      const insecure = await runCli(["doctor", "--endpoint", fake.endpoint, "--insecure"], { cwd: noStacks, env });
      expect([insecure.code, failures(insecure.all)]).toEqual([0, []]);
      const fromEnv = await runCli(["doctor", "--endpoint", fake.endpoint], { cwd: noStacks, env: { ...env, PROXMOX_VE_INSECURE: "true" } });
      expect(fromEnv.code).toBe(0);
      expect(fake.schemaErrors).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  test("local prerequisites: no SSH agent, an empty agent", async () => {
    const noAgent = await runCli(["doctor", "--local"], { cwd: noStacks, env: { PATH: process.env.PATH } });
    expect(failures(noAgent.all)).toEqual([expect.stringMatching(/^no SSH agent \(SSH_AUTH_SOCK is not set\).* \|\| start one and add your key: eval "\$\(ssh-agent\)" && ssh-add/)]);
    const empty = spawn("ssh-agent", ["-D", "-a", path.join(tempDir("empty-agent"), "sock")], { stdio: "ignore" });
    try {
      const sock = (empty.spawnargs[3] as string);
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      const run = await runCli(["doctor", "--local"], { cwd: noStacks, env: { PATH: process.env.PATH, SSH_AUTH_SOCK: sock } });
      expect(failures(run.all)).toEqual([expect.stringMatching(/the SSH agent at .* holds no key \|\| add the key the VM and the Proxmox node accept: ssh-add/)]);
    } finally {
      empty.kill();
    }
  });

  test("bad options are usage errors (exit 2)", async () => {
    const run = await runCli(["doctor", "--count", "zero"], { cwd: noStacks });
    expect(run.code).toBe(2);
    expect(run.err).toContain('--count must be an integer >= 1, got "zero"');
  });
});

describe("what doctor expects comes from the synthesized stacks", () => {
  let outdir: string;

  beforeAll(() => {
    const app = testApp();
    const infra = new DockhostStack(app, "lab-infra");
    new ProxmoxConnection(infra, "pve");
    const vm = new DockhostVm(infra, "docker", {
      nodeName: "nuc",
      count: 2,
      templateId: 7000,
      baseId: 7100,
      disk0SizeGb: 20,
      namePrefix: "labdock",
      snippetsDatastoreId: "snips",
      datastoreId: "fast",
      lan: { cidr: "10.20.0.0/24", bridge: "vmbr1" },
    });
    new DockerHost(infra, "engine", { vm });
    new HostFirewall(infra, "firewall", { vm });
    new VmBackup(infra, "backup", { vm });
    app.synth();
    outdir = app.outdir;
  });

  /** Proxmox shaped for the stacks above. */
  const forLab = (s: FakeProxmoxState) => {
    s.nodes = ["nuc"];
    s.guests = [{ vmid: 7000, node: "nuc", name: "debian-12-cloud", template: 1 }];
    s.configs = { 7000: { ...s.configs[9001], name: "debian-12-cloud", scsi0: "fast:base-7000-disk-0,size=2G" } };
    s.storages = {
      nuc: [
        { storage: "snips", type: "dir", content: "snippets" },
        { storage: "fast", type: "zfspool", content: "images" },
        { storage: "local", type: "dir", content: "iso,backup" },
      ],
    };
    s.firewall = { enable: 0 };
  };

  test("node, template, ids, count, disk, datastores, bridge, firewall and backup job as synthesized; TF_VAR_ overrides a default", async () => {
    const run = await doctor(forLab, ["--out", outdir], { TF_VAR_vm_disk0_size: "1" });
    expect(run.out).toContain(`Proxmox (expecting what the stacks in ${outdir} say):`);
    expect(run.out).toContain('node "nuc" exists');
    expect(run.out).toContain("VM id 7101 is free");
    expect(run.out).toContain('datastore "snips" accepts snippets');
    expect(failures(run.all)).toEqual([
      // TF_VAR_vm_disk0_size=1 beats the synthesized default (20), as Terraform would take it.
      expect.stringMatching(/^template 7000's scsi0 is 2 GB, larger than vm_disk0_size 1 GB: a disk cannot shrink \(lab-infra: proxmox_virtual_environment_vm\.docker\)/),
      // The HostFirewall is declared in the stacks.
      expect.stringMatching(/^the datacenter firewall is off/),
    ]);
    const paths = run.fake.requests.filter((r) => r.includes("/access/permissions")).map((r) => decodeURIComponent(r.split("path=")[1]));
    expect(paths).toEqual(["/vms/7000", "/vms/7100", "/vms/7101", "/storage/fast", "/storage/snips", "/sdn/zones/localnetwork/vmbr1", "/"]);
    expectOnlyGets(run.fake);
  });

  test("the VM backup job's datastore without the VZDump backup content type", async () => {
    const run = await doctor((s) => {
      forLab(s);
      s.storages.nuc[2] = { storage: "local", type: "dir", content: "iso" };
      s.firewall = { enable: 1 };
    }, ["--out", outdir]);
    expect(failures(run.all)).toEqual([
      expect.stringMatching(/^datastore "local" does not have the VZDump backup content type: every scheduled VM backup would fail \(lab-infra: proxmox_backup_job\.[a-z_]+\) \|\| enable it: pvesm set local --content iso,backup/),
    ]);
  });

  test("options override the stacks", async () => {
    const run = await doctor(forLab, ["--out", outdir, "--node", "elsewhere"]);
    expect(failures(run.all)[0]).toMatch(/^node "elsewhere" is not in this cluster/);
  });
});

describe("drive parsing", () => {
  test("sizes as Proxmox writes them, and which entries are disks", () => {
    expect(driveSizeGiB("local-lvm:base-9001-disk-0,size=3584M")).toBe(3.5);
    expect(driveSizeGiB("local:9001/base-9001-disk-0.qcow2,size=2252M,ssd=1")).toBeCloseTo(2.2, 1);
    expect(driveSizeGiB("local-lvm:vm-1-disk-0,size=1T")).toBe(1024);
    expect(driveSizeGiB("local-lvm:vm-1-disk-0,size=50GiB")).toBe(50);
    expect(driveSizeGiB("local-lvm:vm-1-disk-0")).toBeUndefined();
    expect(Object.keys(templateDisks({ scsi0: "a:b,size=1G", ide2: "a:vm-1-cloudinit,media=cdrom", ide0: "none,media=cdrom", virtio1: "a:c,size=2G", scsihw: "virtio-scsi-single" }))).toEqual(["scsi0", "virtio1"]);
  });
});
