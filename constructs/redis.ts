import { Construct } from "constructs";
import { Connection, connectionUrl } from "../lib/catalog/connection";
import { HARDENED } from "../lib/catalog/hardened";
import { ComposeService, ComposeServiceProps, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { Secret } from "./secret";

/** Pinned image (Docker Hub official image, Alpine variant). */
export const REDIS_IMAGE = "redis:7.4.1-alpine";
/** Redis' port. */
export const REDIS_PORT = 6379;
/**
 * Redis documents no minimum: memory is the data set (https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/memory-optimization/).
 * 256 MB holds a homelab app's sessions and cache; `maxmemory` is set below it so Redis evicts
 * instead of being killed.
 */
export const REDIS_MEMORY_MB = 256;

/** A Redis service's options. */
export interface RedisServiceOptions {
  /** Named volume (of the same stack) for /data. */
  readonly volume: string;
  /** Required by clients (AUTH); without one, the stack's network is the only boundary. */
  readonly password?: Secret;
  readonly image?: string;
  readonly memoryLimitMb?: number;
}

/** A Redis service spec (the Redis construct and the catalog's apps use it). */
export function redisService(options: RedisServiceOptions): ComposeServiceProps {
  const memoryLimitMb = options.memoryLimitMb ?? REDIS_MEMORY_MB;
  // Evict least-recently-used keys at 75 % of the limit: the rest is Redis' own overhead.
  const server = ["redis-server", "--appendonly", "yes", "--maxmemory", `${Math.floor(memoryLimitMb * 0.75)}mb`, "--maxmemory-policy", "allkeys-lru"];
  const password = options.password;
  return {
    ...HARDENED,
    image: options.image ?? REDIS_IMAGE,
    // The password reaches redis-server through the environment, never the command line that `docker inspect` shows.
    command: password ? ["sh", "-c", `exec ${server.join(" ")} --requirepass "$REDIS_PASSWORD"`] : server,
    ...(password && { secrets: { REDIS_PASSWORD: password } }),
    volumes: [{ volume: options.volume, target: "/data" }],
    healthcheck: password
      ? { test: ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'], interval: "10s", timeout: "3s", retries: 5 }
      : { test: ["CMD", "redis-cli", "ping"], interval: "10s", timeout: "3s", retries: 5 },
    memoryLimitMb,
    expose: [REDIS_PORT],
  };
}

/** How clients reach a Redis service at `host`. */
export function redisConnection(host: string, password: Secret | undefined): Connection {
  return { engine: "Redis", host, port: REDIS_PORT, database: "0", url: connectionUrl("redis", host, REDIS_PORT, "0", "", password?.value) };
}


/** A Redis server of its own, for apps in other stacks. */
export interface RedisProps {
  readonly engine: DockerEngine;
  /**
   * Password clients must send (AUTH).
   * @default none: the server's internal network is the only boundary
   */
  readonly password?: Secret;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default REDIS_IMAGE
   */
  readonly image?: string;
  /**
   * Memory limit, MB (maxmemory is 75 % of it).
   * @default REDIS_MEMORY_MB (256)
   */
  readonly memoryLimitMb?: number;
  /**
   * Back up the append-only file. A pure cache can opt out, with the reason.
   * @default true
   */
  readonly backup?: boolean;
  /**
   * Why the data is not backed up (required with `backup: false`).
   * @default none
   */
  readonly noBackupReason?: string;
}

/** Redis with append-only persistence on an internal network of its own. */
export class Redis extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;
  /** Host, port and the URL (with the password when there is one: sensitive). */
  public readonly connection: Connection;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName: props.stackName ?? id,
      internalNetwork: true,
      volumes: { data: { sizeBudgetGb: 1, backup: props.backup, noBackupReason: props.noBackupReason } },
      services: { cache: redisService({ volume: "data", password: props.password, image: props.image, memoryLimitMb: props.memoryLimitMb }) },
    });
    this.service = this.stack.service("cache");
    this.connection = redisConnection(this.service.containerName, props.password);
  }

  /** Joins `client` (a service of another stack) to the server's network; returns how to reach it. */
  public connect(client: ComposeService): Connection {
    client.stack.attachNetwork(client.name, this.stack.network, [client.name]);
    return this.connection;
  }
}
