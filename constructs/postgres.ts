import { Construct } from "constructs";
import { Connection, connectionUrl } from "../lib/catalog/connection";
import { HARDENED } from "../lib/catalog/hardened";
import { invalid } from "../lib/errors";
import { ComposeService, ComposeServiceProps, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { Secret } from "./secret";

/** Pinned image (Docker Hub official image, Alpine variant). */
export const POSTGRES_IMAGE = "postgres:16.4-alpine";
/** Where the official image keeps its data: VolumeBackup dumps a service mounting it before archiving. */
export const POSTGRES_DATA_DIR = "/var/lib/postgresql/data";
/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;
/**
 * The PostgreSQL manual states no minimum memory; its defaults (shared_buffers 128 MB, work_mem
 * 4 MB x max_connections 100, https://www.postgresql.org/docs/16/runtime-config-resource.html) fit
 * in about 600 MB at full load, so 1 GB leaves the page cache room. Raise it for larger databases.
 */
export const POSTGRES_MEMORY_MB = 1024;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A PostgreSQL service's options. */
export interface PostgresServiceOptions {
  readonly database: string;
  readonly user: string;
  readonly password: Secret;
  /** Named volume (of the same stack) for the data directory. */
  readonly volume: string;
  readonly image?: string;
  readonly memoryLimitMb?: number;
  /** SQL run once, when the database is first created, by file name. */
  readonly initSql?: Readonly<Record<string, string>>;
}

/** Throws unless `value` is a plain PostgreSQL identifier (no quoting needed). */
export function checkIdentifier(path: string, key: string, value: string): void {
  if (!IDENTIFIER.test(value)) invalid({ path, key, value, allowed: `a PostgreSQL identifier matching ${IDENTIFIER.source}` });
}

/** A PostgreSQL service spec (the Postgres construct and the catalog's apps use it). */
export function postgresService(path: string, options: PostgresServiceOptions): ComposeServiceProps {
  checkIdentifier(path, "database", options.database);
  checkIdentifier(path, "user", options.user);
  const initFiles = Object.entries(options.initSql ?? {}).map(([name, sql]) => {
    if (!/^[A-Za-z0-9_.-]+\.sql$/.test(name)) invalid({ path, key: `initSql.${name}`, value: name, allowed: "a file name ending in .sql" });
    return [`/docker-entrypoint-initdb.d/${name}`, sql];
  });
  return {
    ...HARDENED,
    image: options.image ?? POSTGRES_IMAGE,
    environment: { POSTGRES_USER: options.user, POSTGRES_DB: options.database },
    secrets: { POSTGRES_PASSWORD_FILE: options.password },
    ...(initFiles.length > 0 && { files: Object.fromEntries(initFiles) }),
    volumes: [{ volume: options.volume, target: POSTGRES_DATA_DIR }],
    healthcheck: { test: ["CMD-SHELL", `pg_isready -U ${options.user} -d ${options.database}`], interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s" },
    memoryLimitMb: options.memoryLimitMb ?? POSTGRES_MEMORY_MB,
    expose: [POSTGRES_PORT],
  };
}

/** How clients reach a PostgreSQL service at `host`. */
export function postgresConnection(host: string, options: Pick<PostgresServiceOptions, "database" | "user" | "password">): Connection {
  return {
    engine: "PostgreSQL",
    host,
    port: POSTGRES_PORT,
    database: options.database,
    user: options.user,
    url: connectionUrl("postgres", host, POSTGRES_PORT, options.database, options.user, options.password.value),
  };
}


/** A PostgreSQL server of its own, for apps in other stacks. */
export interface PostgresProps {
  readonly engine: DockerEngine;
  /** Password of `user`, the owner of `database`. */
  readonly password: Secret;
  /**
   * Database created at first start.
   * @default "app"
   */
  readonly database?: string;
  /**
   * Its owner (a superuser of this server, as the official image makes it).
   * @default "app"
   */
  readonly user?: string;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default POSTGRES_IMAGE
   */
  readonly image?: string;
  /**
   * Memory limit, MB.
   * @default POSTGRES_MEMORY_MB (1024)
   */
  readonly memoryLimitMb?: number;
  /**
   * What the data volume may grow to, GB (the capacity planner counts it).
   * @default 5
   */
  readonly sizeBudgetGb?: number;
  /**
   * SQL run once, when the database is first created, by file name (`10-roles.sql`).
   * @default none
   */
  readonly initSql?: Readonly<Record<string, string>>;
}

/**
 * PostgreSQL on an internal network of its own (no route out; only clients that {@link connect}
 * join it), data in a volume that VolumeBackup archives after a `pg_dumpall` dump.
 */
export class Postgres extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;
  /** Host, port, database, user and the URL with the password (sensitive). */
  public readonly connection: Connection;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const database = props.database ?? "app";
    const user = props.user ?? "app";
    const spec = postgresService(this.node.path, { database, user, password: props.password, volume: "data", image: props.image, memoryLimitMb: props.memoryLimitMb, initSql: props.initSql });
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName: props.stackName ?? id,
      internalNetwork: true,
      volumes: { data: { sizeBudgetGb: props.sizeBudgetGb ?? 5 } },
      services: { db: spec },
    });
    this.service = this.stack.service("db");
    this.connection = postgresConnection(this.service.containerName, { database, user, password: props.password });
  }

  /** Joins `client` (a service of another stack) to the server's network; returns how to reach it. */
  public connect(client: ComposeService): Connection {
    client.stack.attachNetwork(client.name, this.stack.network, [client.name]);
    return this.connection;
  }
}
