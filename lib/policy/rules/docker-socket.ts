import { isBindMount } from "../../compose/service";
import { PolicyRule, resultOf } from "../types";

/** Container runtime sockets, and the folders that hold them (mounting those mounts the sockets). */
const SOCKETS = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock", "/run/podman/podman.sock"];
const SOCKET_DIRS = ["/run", "/var/run", "/run/containerd", "/var/run/containerd"];

function exposesSocket(hostPath: string): boolean {
  const path = hostPath.replace(/\/+$/, "");
  return SOCKETS.includes(path) || SOCKET_DIRS.includes(path);
}

export const dockerSocket: PolicyRule<"service"> = {
  id: "DH-DOCKER-SOCKET",
  level: "error",
  description:
    "No docker.sock mounts, read-only included: read-only does not restrict the Docker API, and whoever reaches it controls the host. Use a socket proxy that allows only the endpoints needed.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      (service.spec.volumes ?? []).flatMap((mount, i) =>
        isBindMount(mount) && exposesSocket(mount.hostPath)
          ? [{ key: `volumes[${i}]`, message: `mounts ${mount.hostPath}${mount.readOnly ? " (read-only does not restrict the API)" : ""}; reach Docker through a socket proxy` }]
          : [],
      ),
    ),
};
