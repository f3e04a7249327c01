import { parseImageReference } from "./compose/image-reference";
import { CADVISOR_IMAGE, SOCKET_PROXY_IMAGE, TRAEFIK_IMAGE, VOLUME_BACKUP_IMAGE } from "./images";

/**
 * The compatibility record: which Docker Engine the VM installs, which image versions are known to
 * work with it, and the facts (read in each project's source at the pinned version) that bind them.
 * `checkPin` refuses a pin outside its record; __tests__/compatibility.test.ts holds every pin.
 */

/** A version as numbers, e.g. `v3.6.24` → [3, 6, 24]; undefined for a tag that is not one. */
export function versionOf(tag: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(tag);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** One fact and where it was read (repository + path at a tag, or a release note). */
export interface CompatibilityFact {
  readonly fact: string;
  readonly source: string;
}

/** The Docker Engine the VM installs from Docker's apt repository, held to one major version. */
export const DOCKER_ENGINE = {
  /** apt preferences pin docker-ce* and containerd.io's engine packages to `<major>.*`. */
  major: 29,
  /** Oldest API version Docker 29.0 serves: clients that pin an older one are refused. */
  minApiVersion: "1.44",
  facts: [
    {
      fact: "Docker Engine 29.0 refuses API versions below 1.44 (\"client version 1.24 is too old\")",
      source: "moby/moby release docker-v29.0.0 notes; traefik/traefik issues #12253 and #12420",
    },
    {
      fact: "kreuzwerker/docker 3.6.2 negotiates the API version (client.WithAPIVersionNegotiation) with its vendored client v28.1.1 (API up to 1.49)",
      source: "kreuzwerker/terraform-provider-docker v3.6.2 internal/provider/config.go, go.mod",
    },
  ] as readonly CompatibilityFact[],
} as const;

/** What is known to work for one image repository on {@link DOCKER_ENGINE}. */
export interface ImageCompatibility {
  /** Oldest known-good version (inclusive). */
  readonly minVersion: string;
  /** First version not vetted (exclusive): a new major is a new review. */
  readonly belowVersion: string;
  readonly facts: readonly CompatibilityFact[];
}

export const IMAGE_COMPATIBILITY: Readonly<Record<string, ImageCompatibility>> = {
  traefik: {
    minVersion: "3.6.1",
    belowVersion: "4.0.0",
    facts: [
      { fact: "v3.2.3's Docker provider sets the client to API 1.24 (DockerAPIVersion), which Docker 29 refuses: no routes, no certificates", source: "traefik/traefik v3.2.3 pkg/provider/docker/pdocker.go, shared.go (client.WithVersion)" },
      { fact: "v3.6.1 negotiates (client.WithAPIVersionNegotiation)", source: "traefik/traefik v3.6.1 pkg/provider/docker/shared.go" },
      { fact: "v3.6.16+ builds on github.com/moby/moby/client, which negotiates by default; Docker provider needs API >= 1.40", source: "traefik/traefik v3.6.24 pkg/provider/docker/shared.go, go.mod (moby/moby/client v0.4.0), docs/content/migrate/v3.md" },
      { fact: "the Swarm provider makes its client with the same createClient (negotiated), polls every refreshSeconds (default 15s) with ServiceList, NetworkList, TaskList and NodeInspect, and routes a dnsrr service to its tasks' addresses", source: "traefik/traefik v3.6.24 pkg/provider/docker/pswarm.go, shared.go" },
    ],
  },
  "tecnativa/docker-socket-proxy": {
    minVersion: "0.4.1",
    belowVersion: "0.5.0",
    facts: [
      { fact: "0.3.0's entrypoint writes /usr/local/etc/haproxy/haproxy.cfg under set -e: with a read-only root the container exits at start (Tecnativa #122)", source: "Tecnativa/docker-socket-proxy v0.3.0 docker-entrypoint.sh" },
      { fact: "0.4.x writes /tmp/haproxy.cfg (our tmpfs) and runs haproxy -f /tmp/haproxy.cfg; 0.4.1 also raises the nofile limit HAProxy 3 needs", source: "Tecnativa/docker-socket-proxy v0.4.1 docker-entrypoint.sh, Dockerfile" },
      { fact: "HAProxy forwards the client's /vX.Y/ path prefix untouched (path_reg ^(/v[\\d\\.]+)?/...): the API version is the client's", source: "Tecnativa/docker-socket-proxy v0.4.1 haproxy.cfg" },
    ],
  },
  "offen/docker-volume-backup": {
    minVersion: "2.48.2",
    belowVersion: "3.0.0",
    facts: [{ fact: "client.New(client.FromEnv) from github.com/moby/moby/client v0.5.0 negotiates the API version by default", source: "offen/docker-volume-backup v2.48.2 cmd/backup/script.go, go.mod" }],
  },
  "google/cadvisor": {
    minVersion: "0.60.5",
    belowVersion: "1.0.0",
    facts: [{ fact: "dclient.New from github.com/moby/moby/client v0.4.0 negotiates the API version by default", source: "google/cadvisor v0.60.5 container/docker/client.go, go.mod" }],
  },
};

/** Every image this package pins that the record covers. */
export const PINNED_IMAGES: readonly string[] = [TRAEFIK_IMAGE, SOCKET_PROXY_IMAGE, VOLUME_BACKUP_IMAGE, CADVISOR_IMAGE];

/** The record's key for an image: its repository without the registry and `library/`. */
export function recordKeyOf(image: string): string {
  const { repository } = parseImageReference(image);
  return repository.replace(/^library\//, "");
}

/** Why `image` is outside the record, or undefined when the record allows it. */
export function checkPin(image: string): string | undefined {
  const key = recordKeyOf(image);
  const record = IMAGE_COMPATIBILITY[key];
  if (!record) return `${image}: no compatibility record for ${key}`;
  const version = versionOf(parseImageReference(image).tag ?? "");
  if (!version) return `${image}: the tag is not a version the record can compare`;
  if (compareVersions(version, versionOf(record.minVersion)!) < 0 || compareVersions(version, versionOf(record.belowVersion)!) >= 0) {
    return `${image}: outside ${key} >= ${record.minVersion} < ${record.belowVersion} known to work with Docker ${DOCKER_ENGINE.major} (${record.facts[0].source})`;
  }
  return undefined;
}

/** A field where the engine the read-back check ran on differs from what the model says for Docker 29. */
export interface ReadBackDifference {
  /** The host test's mismatch line, `<case>.<field>: engine …, model …`. */
  readonly mismatch: string;
  readonly why: string;
  readonly source: string;
}

/**
 * The real engine the stand-in provider's read-back model (__tests__/support/terraform/standin-readback.js)
 * was checked against by __tests__/hosts/readback-model.test.ts: containers created with
 * kreuzwerker 3.6.2's request shape over the Engine API, read back as kreuzwerker reads them.
 * The test hosts run Debian 12's docker.io, not Docker {@link DOCKER_ENGINE}.major.
 */
export const ENGINE_READBACK_CHECK = {
  engineVersion: "20.10",
  apiVersion: "1.41",
  /** Fields compared; on 20.10 every one reads back as the model says (no differences). */
  fields: ["capabilities", "devices", "memory", "memory_swap", "shm_size", "log_driver", "log_opts", "healthcheck", "host"],
  differences: [] as readonly ReadBackDifference[],
  /**
   * Not proven on Docker 29 itself: the engine-side rules (swap 2 x memory, log-opts merge, shm
   * 64 MiB) are read in moby's source, where they are unchanged since 20.10 (daemon_unix.go
   * adaptContainerSettings, daemon/logs.go mergeAndVerifyLogConfig); the client-side ones (CAP_,
   * rwm) do not depend on the engine. 20.10 stored memory_swap = 2 x memory only because the test
   * host's kernel has swap accounting (cgroup v2 memory.swap.max); without it the engine stores -1
   * (moby daemon/daemon_unix.go verifyPlatformContainerResources), and a plan would drift.
   */
  caveat: "checked on Debian 12 docker.io 20.10 (API 1.41), not on Docker 29",
} as const;
