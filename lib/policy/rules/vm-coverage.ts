import { NOT_APPLICABLE, PolicyRule, resultOf } from "../types";

export const vmMonitoring: PolicyRule<"docker-vm"> = {
  id: "DH-VM-MONITORING",
  level: "warning",
  description: "A VM that runs containers has a MonitoringStack: without one, a full disk, a restart loop or a dead container on it alerts nobody.",
  appliesTo: "docker-vm",
  check: (vm) => {
    if (vm.stacks.every((s) => s.services.length === 0)) return NOT_APPLICABLE;
    return resultOf(vm.monitored ? [] : [{ key: "monitoring", message: `VM ${vm.name} runs containers but no MonitoringStack scrapes it; add one on its engine` }]);
  },
};

export const vmVolumeBackup: PolicyRule<"docker-vm"> = {
  id: "DH-VM-VOLUME-BACKUP",
  level: "warning",
  description: "A VM that runs containers has a VolumeBackup: otherwise the only copy of its volumes is the weekly VM snapshot.",
  appliesTo: "docker-vm",
  check: (vm) => {
    if (vm.stacks.every((s) => s.services.length === 0)) return NOT_APPLICABLE;
    return resultOf(vm.volumeBackup ? [] : [{ key: "volumeBackup", message: `VM ${vm.name} runs containers but no VolumeBackup archives its volumes; add one on its engine` }]);
  },
};
