import { isBindMount } from "../../compose/service";
import { PolicyRule, resultOf } from "../types";

/** Host paths whose write access amounts to owning the VM. */
export const SENSITIVE_HOST_PATHS = ["/", "/etc", "/proc", "/sys", "/dev", "/root"];

function isSensitive(hostPath: string): boolean {
  const path = hostPath.replace(/\/+$/, "") || "/";
  return SENSITIVE_HOST_PATHS.some((p) => path === p || (p !== "/" && path.startsWith(`${p}/`)));
}

export const hostPathReadWrite: PolicyRule<"service"> = {
  id: "DH-HOST-PATH-RW",
  level: "error",
  description: "Sensitive host paths (/, /etc, /proc, /sys, /dev, /root) only read-only.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      (service.spec.volumes ?? []).flatMap((mount, i) =>
        isBindMount(mount) && !mount.readOnly && isSensitive(mount.hostPath)
          ? [{ key: `volumes[${i}]`, message: `mounts the host's ${mount.hostPath} read-write; mount it read-only` }]
          : [],
      ),
    ),
};
