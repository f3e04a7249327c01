import { isBindMount } from "../../compose/service";
import { PolicyRule, resultOf } from "../types";

const SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export const dockerSocket: PolicyRule<"service"> = {
  id: "DH-DOCKER-SOCKET",
  level: "error",
  description:
    "No docker.sock mounts, read-only included: read-only does not restrict the Docker API, and whoever reaches it controls the host. Use a socket proxy that allows only the endpoints needed.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      (service.spec.volumes ?? []).flatMap((mount, i) =>
        isBindMount(mount) && SOCKETS.includes(mount.hostPath)
          ? [{ key: `volumes[${i}]`, message: `mounts ${mount.hostPath}${mount.readOnly ? " (read-only does not restrict the API)" : ""}; reach Docker through a socket proxy` }]
          : [],
      ),
    ),
};
