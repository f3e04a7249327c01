import { PolicyRule, resultOf } from "../types";

export const volumeBackup: PolicyRule<"volume"> = {
  id: "DH-VOLUME-BACKUP",
  level: "error",
  description:
    "Every volume a stack creates is backed up by a VolumeBackup on its VM, or explicitly opted out with a reason (backup: false, noBackupReason), which the report shows as a suppression.",
  appliesTo: "volume",
  check: ({ volume, vmName, backedUp }) => {
    if (!volume.backup) return resultOf([{ key: "backup", message: `${volume.name} is not backed up (the stack opted out)${volume.noBackupReason ? "" : "; say why in noBackupReason"}` }]);
    return resultOf(backedUp ? [] : [{ key: "backup", message: `${volume.name} is marked for backup, but no VolumeBackup runs on ${vmName}; add a VolumeBackup on its engine, or opt out with backup: false and a noBackupReason` }]);
  },
};
