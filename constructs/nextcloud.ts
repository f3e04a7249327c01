import { Construct } from "constructs";
import { Connection } from "../lib/catalog/connection";
import { HARDENED } from "../lib/catalog/hardened";
import { postgresConnection, postgresService } from "./postgres";
import { redisService } from "./redis";
import { DEFAULT_ADDRESS_POOLS } from "../lib/docker-daemon";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { ReverseProxy } from "./reverse-proxy";
import { Secret } from "./secret";

/** Pinned image: Nextcloud 30 with Apache (serves on port 80, no separate web server). */
export const NEXTCLOUD_IMAGE = "nextcloud:30.0.13-apache";
/**
 * "Nextcloud needs a minimum of 128MB RAM per process, and we recommend a minimum of 512MB RAM per
 * process." (Nextcloud admin manual, installation/system_requirements.rst, nextcloud/documentation).
 */
export const NEXTCLOUD_MEMORY_MB = 512;

/** The engine, proxy, host name and passwords of a Nextcloud. */
export interface NextcloudProps {
  readonly engine: DockerEngine;
  readonly proxy: ReverseProxy;
  /** Public host name, e.g. `cloud.home.example.com`: the route and Nextcloud's trusted domain. */
  readonly host: string;
  /** Password of the admin account created at first start. */
  readonly adminPassword: Secret;
  /** Password of Nextcloud's PostgreSQL user. */
  readonly databasePassword: Secret;
  /**
   * Login of the admin account.
   * @default "admin"
   */
  readonly adminUser?: string;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default NEXTCLOUD_IMAGE
   */
  readonly image?: string;
  /**
   * Memory limit of the Nextcloud container, MB.
   * @default NEXTCLOUD_MEMORY_MB (512, upstream's recommended minimum)
   */
  readonly memoryLimitMb?: number;
  /**
   * What the files volume may grow to, GB (the capacity planner counts it).
   * @default 10
   */
  readonly dataSizeGb?: number;
  /**
   * Networks (CIDR) Nextcloud trusts for X-Forwarded-For: where the proxy's container lives.
   * @default Docker's address pools as DockerHost configures them by default
   */
  readonly trustedProxies?: readonly string[];
}

/**
 * Nextcloud with its PostgreSQL database and Redis cache (file locking and sessions) in one
 * stack, installed unattended at first start, behind the proxy with TLS. Its cron jobs run in the
 * app container (`background_jobs_mode` stays AJAX unless you add a cron service).
 */
export class Nextcloud extends Construct {
  public readonly stack: ComposeStack;
  public readonly app: ComposeService;
  /** Nextcloud's own database (URL sensitive), for a reporting tool on the stack's network. */
  public readonly database: Connection;

  constructor(scope: Construct, id: string, props: NextcloudProps) {
    super(scope, id);
    const database = { database: "nextcloud", user: "nextcloud", password: props.databasePassword };
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName: props.stackName ?? id,
      volumes: {
        html: { sizeBudgetGb: props.dataSizeGb ?? 10 },
        "db-data": { sizeBudgetGb: 2 },
        "cache-data": { sizeBudgetGb: 1, backup: false, noBackupReason: "file locks and sessions: Nextcloud rebuilds them" },
      },
      services: {
        db: postgresService(this.node.path, { ...database, volume: "db-data" }),
        cache: redisService({ volume: "cache-data" }),
        app: {
          ...HARDENED,
          image: props.image ?? NEXTCLOUD_IMAGE,
          // The image's entrypoint reads these on first start (github.com/nextcloud/docker, README "Auto configuration via environment variables").
          environment: {
            POSTGRES_HOST: "db",
            POSTGRES_DB: database.database,
            POSTGRES_USER: database.user,
            REDIS_HOST: "cache",
            NEXTCLOUD_ADMIN_USER: props.adminUser ?? "admin",
            NEXTCLOUD_TRUSTED_DOMAINS: props.host,
            TRUSTED_PROXIES: (props.trustedProxies ?? DEFAULT_ADDRESS_POOLS.map((pool) => pool.base)).join(" "),
            OVERWRITEPROTOCOL: "https",
            OVERWRITECLIURL: `https://${props.host}`,
          },
          secrets: { POSTGRES_PASSWORD_FILE: props.databasePassword, NEXTCLOUD_ADMIN_PASSWORD_FILE: props.adminPassword },
          // config, apps and user files (the image keeps data under /var/www/html/data by default).
          volumes: [{ volume: "html", target: "/var/www/html" }],
          healthcheck: { test: ["CMD-SHELL", "curl -fsS http://127.0.0.1/status.php | grep -q '\"installed\":true'"], interval: "30s", timeout: "10s", retries: 5, startPeriod: "5m" },
          memoryLimitMb: props.memoryLimitMb ?? NEXTCLOUD_MEMORY_MB,
          expose: [80],
          dependsOn: { db: "service_healthy", cache: "service_healthy" },
        },
      },
    });
    this.app = this.stack.service("app");
    this.database = postgresConnection("db", database);
    props.proxy.expose(this.app, { host: props.host, port: 80, middlewares: [props.proxy.securityHeaders] });
  }
}
