import { parseImageReference } from "./compose/image-reference";

/**
 * What we know about images by their repository: which ones are databases (stricter rules:
 * pinned tags, no auto-updates, dumps before backups) and roughly how much disk they take.
 */
export const DATABASE_IMAGES: readonly string[] = [
  "postgres", "postgis/postgis", "timescale/timescaledb", "pgvector/pgvector", "bitnami/postgresql",
  "mariadb", "mysql", "linuxserver/mariadb", "bitnami/mariadb", "bitnami/mysql",
  "mongo", "bitnami/mongodb", "redis", "bitnami/redis", "valkey/valkey",
  "influxdb", "clickhouse/clickhouse-server", "couchdb", "neo4j",
];

/** Parsed references, by text: policy rules ask about the same few images thousands of times. */
const parsed = new Map<string, ReturnType<typeof parseImageReference>>();

function parse(image: string): ReturnType<typeof parseImageReference> {
  let reference = parsed.get(image);
  if (reference === undefined) {
    reference = parseImageReference(image);
    parsed.set(image, reference);
  }
  return reference;
}

/** Docker Hub's official images live under `library/`; compare without it. */
export function repositoryOf(image: string): string {
  return parse(image).repository.replace(/^library\//, "");
}

export function isDatabaseImage(image: string): boolean {
  return DATABASE_IMAGES.includes(repositoryOf(image));
}

/** Pulls whatever `latest` is today: no tag and no digest, or the tag `latest`. */
export function isFloatingImage(image: string): boolean {
  const { tag, digest } = parse(image);
  return digest === undefined && (tag === undefined || tag === "latest");
}

/** Typical unpacked sizes (MB) of common homelab images (the seed's table), for the disk planner. */
const SIZE_ESTIMATES_MB: Readonly<Record<string, number>> = {
  postgres: 400,
  mariadb: 400,
  mysql: 600,
  redis: 120,
  nginx: 50,
  traefik: 180,
  "grafana/grafana": 450,
  "prom/prometheus": 300,
  "nextcloud": 1200,
  "jellyfin/jellyfin": 1500,
  "gitlab/gitlab-runner": 400,
  "portainer/portainer-ce": 300,
};
/** Images we know nothing about count as a mid-sized Node or Python app (seed: 200-500 MB). */
export const DEFAULT_IMAGE_SIZE_MB = 500;

export function estimatedImageSizeMb(image: string): number {
  return SIZE_ESTIMATES_MB[repositoryOf(image)] ?? DEFAULT_IMAGE_SIZE_MB;
}

/**
 * Images that talk to the Docker API or whose entrypoint our container settings constrain.
 * Each pin must stay within what `lib/compatibility.ts` records for it (a test holds them).
 */
export const TRAEFIK_IMAGE = "traefik:v3.6.24";
export const SOCKET_PROXY_IMAGE = "tecnativa/docker-socket-proxy:0.4.1";
export const VOLUME_BACKUP_IMAGE = "offen/docker-volume-backup:v2.48.2";
export const CADVISOR_IMAGE = "ghcr.io/google/cadvisor:v0.60.5";
/** The VM backup check's runtime (Python's standard library only; lib/monitoring/vm-backup-metric.ts). */
export const VM_BACKUP_CHECK_IMAGE = "python:3.13.1-alpine3.21";
