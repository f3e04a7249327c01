import { Construct } from "constructs";
import { dependencyConditions } from "../lib/compose/service";
import { Connection } from "../lib/catalog/connection";
import { HARDENED } from "../lib/catalog/hardened";
import { POSTGRES_MEMORY_MB, postgresConnection, postgresService } from "./postgres";
import { redisConnection, redisService } from "./redis";
import { invalid } from "../lib/errors";
import { ComposeService, ComposeServiceProps, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { ProxyMiddleware, ReverseProxy } from "./reverse-proxy";
import { Secret } from "./secret";

/** The web front end or the API of a {@link WebApp}: your service and its route. */
export interface WebAppPartProps {
  /** The service (your image). Restart and no-new-privileges are added unless set. */
  readonly service: ComposeServiceProps;
  /** Public host name of the route. */
  readonly host: string;
  /**
   * Container port the proxy forwards to.
   * @default the service's only exposed port
   */
  readonly port?: number;
  /**
   * Proxy middlewares of the route.
   * @default none
   */
  readonly middlewares?: readonly ProxyMiddleware[];
}

/** The PostgreSQL database of a {@link WebApp}. */
export interface WebAppDatabaseProps {
  readonly password: Secret;
  /** @default "app" */
  readonly database?: string;
  /** @default "app" */
  readonly user?: string;
  /** @default POSTGRES_MEMORY_MB (1024) */
  readonly memoryLimitMb?: number;
  /** @default 5 */
  readonly sizeBudgetGb?: number;
  /**
   * SQL run once when the database is created, by file name.
   * @default none
   */
  readonly initSql?: Readonly<Record<string, string>>;
  /**
   * The API's variable that receives the database URL (with the password).
   * @default "DATABASE_URL"
   */
  readonly urlVariable?: string;
}

/** The Redis cache of a {@link WebApp}. */
export interface WebAppCacheProps {
  /** @default REDIS_MEMORY_MB (256) */
  readonly memoryLimitMb?: number;
  /**
   * The API's variable that receives the cache URL.
   * @default "REDIS_URL"
   */
  readonly urlVariable?: string;
}

/** The engine, proxy, services and optional database and cache of a web app and its API. */
export interface WebAppProps {
  readonly engine: DockerEngine;
  /** The proxy that routes `web.host` and `api.host`. */
  readonly proxy: ReverseProxy;
  readonly web: WebAppPartProps;
  readonly api: WebAppPartProps;
  /**
   * A PostgreSQL database for the API (service `db`, volume `db-data`, dumped before backups).
   * @default none
   */
  readonly database?: WebAppDatabaseProps;
  /**
   * A Redis cache for the API (service `cache`, volume `cache-data`, not backed up: a cache).
   * @default none
   */
  readonly cache?: WebAppCacheProps;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
}

/**
 * A web front end and its API in one stack (services `web`, `api`, and `db`/`cache` when asked
 * for), each routed by the proxy on its own host. The API waits for a healthy database and cache
 * and receives their URLs; the web front end starts after the API.
 */
export class WebApp extends Construct {
  public readonly stack: ComposeStack;
  public readonly web: ComposeService;
  public readonly api: ComposeService;
  /** How the API reaches its database (URL sensitive), when there is one. */
  public readonly database?: Connection;
  public readonly cache?: Connection;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const stackName = props.stackName ?? id;
    const services: Record<string, ComposeServiceProps> = {};
    const volumes: Record<string, { sizeBudgetGb: number; backup?: false; noBackupReason?: string }> = {};
    const apiEnvironment: Record<string, string> = {};
    const apiNeeds: Record<string, "service_healthy"> = {};
    if (props.database) {
      const { password, database = "app", user = "app" } = props.database;
      services.db = postgresService(this.node.path, { database, user, password, volume: "db-data", memoryLimitMb: props.database.memoryLimitMb ?? POSTGRES_MEMORY_MB, initSql: props.database.initSql });
      volumes["db-data"] = { sizeBudgetGb: props.database.sizeBudgetGb ?? 5 };
      // The service name resolves on the stack's own network.
      this.database = postgresConnection("db", { database, user, password });
      apiEnvironment[this.urlVariable("database.urlVariable", props.database.urlVariable ?? "DATABASE_URL", props.api.service)] = this.database.url.value;
      apiNeeds.db = "service_healthy";
    }
    if (props.cache) {
      services.cache = redisService({ volume: "cache-data", memoryLimitMb: props.cache.memoryLimitMb });
      volumes["cache-data"] = { sizeBudgetGb: 1, backup: false, noBackupReason: "a cache: the API rebuilds it from PostgreSQL" };
      this.cache = redisConnection("cache", undefined);
      apiEnvironment[this.urlVariable("cache.urlVariable", props.cache.urlVariable ?? "REDIS_URL", props.api.service)] = this.cache.url.value;
      apiNeeds.cache = "service_healthy";
    }
    const api = props.api.service;
    services.api = { ...HARDENED, ...api, environment: { ...api.environment, ...apiEnvironment }, dependsOn: { ...apiNeeds, ...dependencyConditions(api.dependsOn) } };
    const web = props.web.service;
    services.web = { ...HARDENED, ...web, dependsOn: { api: "service_started", ...dependencyConditions(web.dependsOn) } };
    this.stack = new ComposeStack(this, "stack", { engine: props.engine, stackName, volumes, services });
    this.web = this.stack.service("web");
    this.api = this.stack.service("api");
    props.proxy.expose(this.web, { host: props.web.host, port: props.web.port, middlewares: props.web.middlewares });
    props.proxy.expose(this.api, { host: props.api.host, port: props.api.port, middlewares: props.api.middlewares });
  }

  /** A URL variable name, checked against the variables the service already sets. */
  private urlVariable(key: string, name: string, service: ComposeServiceProps): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name in (service.environment ?? {}) || name in (service.secrets ?? {})) {
      invalid({ path: this.node.path, key, value: name, allowed: "an environment variable name the API does not already set" });
    }
    return name;
  }
}
