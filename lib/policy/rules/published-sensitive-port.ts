import { parseImageReference } from "../../compose/image-reference";
import { DEFAULT_PORT_PROTOCOL } from "../../compose/service";
import { PolicyRule, resultOf } from "../types";

/**
 * What a port serves is a fact about the image, not the number: 9000 is Portainer's UI in
 * portainer/portainer-ce and an app's own UI elsewhere. Keys are the image's name (the last part
 * of its repository, which database images keep whoever publishes them) or its whole repository.
 */
export const SENSITIVE_IMAGE_PORTS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  postgres: { 5432: "PostgreSQL" },
  postgresql: { 5432: "PostgreSQL" },
  postgis: { 5432: "PostgreSQL" },
  "pgvecto-rs": { 5432: "PostgreSQL" },
  timescaledb: { 5432: "PostgreSQL" },
  mysql: { 3306: "MySQL" },
  mariadb: { 3306: "MariaDB" },
  mongo: { 27017: "MongoDB" },
  redis: { 6379: "Redis" },
  valkey: { 6379: "Valkey" },
  memcached: { 11211: "memcached" },
  clickhouse: { 8123: "ClickHouse", 9000: "ClickHouse" },
  "clickhouse-server": { 8123: "ClickHouse", 9000: "ClickHouse" },
  elasticsearch: { 9200: "Elasticsearch", 9300: "Elasticsearch" },
  influxdb: { 8086: "InfluxDB" },
  "docker-socket-proxy": { 2375: "the Docker API" },
  "socket-proxy": { 2375: "the Docker API" },
  docker: { 2375: "the Docker API", 2376: "the Docker API" },
  portainer: { 9000: "Portainer", 9443: "Portainer" },
  "portainer-ce": { 9000: "Portainer", 9443: "Portainer" },
  "portainer-ee": { 9000: "Portainer", 9443: "Portainer" },
  agent: { 9001: "the Portainer agent" },
  traefik: { 8080: "the Traefik dashboard" },
  cadvisor: { 8080: "cAdvisor" },
  prometheus: { 9090: "Prometheus" },
  alertmanager: { 9093: "Alertmanager" },
  "node-exporter": { 9100: "node-exporter" },
  loki: { 3100: "Loki" },
};

const ALL_INTERFACES = [undefined, "0.0.0.0", "::"];

/** The sensitive ports of an image, by container port; none for an image the table does not know. */
export function sensitivePortsOf(image: string): Readonly<Record<number, string>> {
  const { repository } = parseImageReference(image);
  const name = repository.split("/").pop()!;
  return SENSITIVE_IMAGE_PORTS[repository] ?? SENSITIVE_IMAGE_PORTS[name] ?? {};
}

export const publishedSensitivePort: PolicyRule<"service"> = {
  id: "DH-PUBLISHED-SENSITIVE-PORT",
  level: "error",
  description:
    "Database, admin and metrics ports (judged by the image and the container port) are not published on every interface: keep them on the stack network, or bind them to one address.",
  appliesTo: "service",
  check: ({ service }) => {
    const sensitive = sensitivePortsOf(service.spec.image);
    return resultOf(
      (service.spec.ports ?? []).flatMap((port, i) => {
        const what = sensitive[port.containerPort];
        return what && ALL_INTERFACES.includes(port.hostIp)
          ? [{ key: `ports[${i}]`, message: `publishes ${what} (${service.spec.image}, ${port.containerPort}/${port.protocol ?? DEFAULT_PORT_PROTOCOL}) on every interface of the VM; drop the port and reach it on the stack network (expose), or bind it to one address (hostIp)` }]
          : [];
      }),
    );
  },
};
