import { NOT_APPLICABLE, PolicyRule, PolicyVm, resultOf } from "../types";

/** A warning when a VM that runs containers lacks `construct` (what `covered` checks). */
function vmCoverage(id: string, description: string, key: string, construct: string, covered: (vm: PolicyVm) => boolean): PolicyRule<"docker-vm"> {
  return {
    id,
    level: "warning",
    description,
    appliesTo: "docker-vm",
    check: (vm) => {
      if (vm.stacks.every((s) => s.services.length === 0)) return NOT_APPLICABLE;
      return resultOf(covered(vm) ? [] : [{ key, message: `VM ${vm.name} runs containers but has no ${construct}; add one on its engine` }]);
    },
  };
}

export const vmMonitoring = vmCoverage(
  "DH-VM-MONITORING",
  "A VM that runs containers has a MonitoringStack: without one, a full disk, a restart loop or a dead container on it alerts nobody.",
  "monitoring",
  "MonitoringStack",
  (vm) => vm.monitored,
);

export const vmVolumeBackup = vmCoverage(
  "DH-VM-VOLUME-BACKUP",
  "A VM that runs containers has a VolumeBackup: otherwise the only copy of its volumes is the weekly VM snapshot.",
  "volumeBackup",
  "VolumeBackup",
  (vm) => vm.volumeBackup,
);
