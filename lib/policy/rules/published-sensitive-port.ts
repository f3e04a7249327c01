import { DEFAULT_PORT_PROTOCOL } from "../../compose/service";
import { PolicyRule, resultOf } from "../types";

/** Ports of databases, admin interfaces and metrics endpoints: never for the whole network. */
export const SENSITIVE_PORTS: Readonly<Record<number, string>> = {
  5432: "PostgreSQL",
  3306: "MySQL/MariaDB",
  27017: "MongoDB",
  6379: "Redis",
  2375: "the Docker API",
  2376: "the Docker API",
  9000: "Portainer",
  9443: "Portainer",
  8080: "an admin UI (Traefik dashboard, cAdvisor)",
  9090: "Prometheus",
  9093: "Alertmanager",
  9100: "node-exporter",
  9323: "Docker metrics",
};

const ALL_INTERFACES = [undefined, "0.0.0.0", "::"];

export const publishedSensitivePort: PolicyRule<"service"> = {
  id: "DH-PUBLISHED-SENSITIVE-PORT",
  level: "error",
  description: "Database, admin and metrics ports are not published on every interface: keep them on the stack network, or bind them to one address.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      (service.spec.ports ?? []).flatMap((port, i) => {
        const what = SENSITIVE_PORTS[port.containerPort] ?? (port.hostPort !== undefined ? SENSITIVE_PORTS[port.hostPort] : undefined);
        return what && ALL_INTERFACES.includes(port.hostIp)
          ? [{ key: `ports[${i}]`, message: `publishes ${what} (${port.containerPort}/${port.protocol ?? DEFAULT_PORT_PROTOCOL}) on every interface of the VM; drop the port and reach it on the stack network (expose), or bind it to one address (hostIp)` }]
          : [];
      }),
    ),
};
