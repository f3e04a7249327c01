import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { VmBackup, VmBackupProps } from "../constructs/vm-backup";
import { buildReferenceHomelab } from "../main";
import { runValidator } from "./support/validators";
import { synthStack, testApp } from "./support/synth";
import { needs } from "./support/requirements";

describe("reference homelab: weekly vzdump backups of the VM", () => {
  const homelab = buildReferenceHomelab(testApp());
  const job = synthStack(homelab.infra).resource.proxmox_backup_job.dockhost_backup;

  test("every VM of the resource, weekly, in snapshot mode, zstd, on the local storage", () => {
    expect(job).toMatchObject({
      id: "dockhost-vms",
      node: "pve",
      vmid: "${proxmox_virtual_environment_vm.dockhost[*].vm_id}",
      schedule: "sun 01:00",
      mode: "snapshot",
      storage: "local",
      compress: "zstd",
      enabled: true,
      repeat_missed: true,
    });
  });

  test("retention: 7 daily, 4 weekly, 3 monthly archives", () => {
    expect(job.prune_backups).toEqual({ "keep-daily": "7", "keep-weekly": "4", "keep-monthly": "3" });
  });

  needs("shellcheck").test("restore commands name the VM id and the storage, and pass shellcheck", () => {
    const commands = homelab.vmBackup.restoreCommands();
    expect(commands).toContain("qmrestore \"$ARCHIVE\" 9010 --force 1");
    expect(commands.join("\n")).toContain("pvesm list local --content backup --vmid 9010");
    const result = runValidator("shellcheck", (file) => ["-s", "sh", file], `${commands.join("\n")}\n`);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("VmBackup props", () => {
  function build(props: Omit<VmBackupProps, "vm">, vmCount = 1) {
    const stack = new DockhostStack(testApp(), "infra");
    const vm = new DockhostVm(stack, "dockhost", { count: vmCount, baseId: 200 });
    return new VmBackup(stack, "backup", { vm, ...props });
  }

  test("schedule, mode, storage, compression and retention are configurable", () => {
    const backup = build({ schedule: "mon..fri 22:30", mode: "stop", storage: "nas-backups", compression: "none", retention: { keepDaily: 14 } });
    const job = synthStack(backup.node.scope as DockhostStack).resource.proxmox_backup_job.backup;
    expect(job).toMatchObject({ schedule: "mon..fri 22:30", mode: "stop", storage: "nas-backups", compress: "0", prune_backups: { "keep-daily": "14" } });
  });

  test("restore commands of the second VM use its id", () => {
    expect(build({}, 2).restoreCommands(1)).toContain("qm start 201");
    expect(() => build({}).restoreCommands(1)).toThrow(/^infra\/backup: invalid restoreCommands\.index = 1; expected a whole number from 0 to 0/);
  });

  test.each<[string, Omit<VmBackupProps, "vm">, RegExp]>([
    ["a cron expression where Proxmox wants a calendar event", { schedule: "0 1 * * 0" }, /^infra\/backup: invalid schedule = "0 1 \* \* 0"; expected a Proxmox calendar event/],
    ["an hour past 23", { schedule: "sun 24:00" }, /invalid schedule = "sun 24:00"/],
    ["retention of zero", { retention: { keepWeekly: 0 } }, /^infra\/backup: invalid retention\.keepWeekly = 0; expected a whole number >= 1/],
    ["no retention at all", { retention: {} }, /invalid retention = \{\}; expected at least one of keepDaily, keepWeekly, keepMonthly/],
    ["an unknown mode", { mode: "live" as never }, /invalid mode = "live"; expected one of snapshot, suspend, stop/],
    ["a storage id with a space", { storage: "my storage" }, /invalid storage = "my storage"/],
    ["an unknown compression", { compression: "xz" as never }, /invalid compression = "xz"; expected one of zstd, gzip, lzo, none/],
  ])("refuses %s", (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
