import { TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { checkInteger } from "../lib/bounds";
import { offeredPorts } from "../lib/compose/port-binding";
import { invalid } from "../lib/errors";
import { TRAEFIK_IMAGE as PINNED_TRAEFIK_IMAGE } from "../lib/images";
import { EMAIL_PATTERN, isEmail, isHostname } from "../lib/hostname";
import { BUILTIN_MIDDLEWARES, containerRoute, middlewaresConfig, router } from "../lib/traefik/dynamic-config";
import { flattenToLabels } from "../lib/traefik/labels";
import { ACME_STORAGE_DIR, DYNAMIC_CONFIG_DIR, ENTRYPOINTS, STATIC_CONFIG_PATH, TlsMode, traefikStaticConfig } from "../lib/traefik/static-config";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { dockerSocketProxy } from "./docker-socket-proxy";
import { Secret } from "./secret";

/** Pinned images. */
/** Pinned image (lib/images.ts; lib/compatibility.ts says why this version). */
export const TRAEFIK_IMAGE = PINNED_TRAEFIK_IMAGE;

/** How the proxy gets certificates. */
export interface ProxyTlsProps {
  /**
   * `acme-http`: Let's Encrypt HTTP-01 (the hosts must be reachable from the internet on port 80);
   * `acme-dns`: DNS-01 through your DNS provider's API (LAN-only hosts, wildcards);
   * `internal`: Traefik's self-signed certificate, for homelabs without a public domain.
   * @default "acme-http"
   */
  readonly mode?: TlsMode;
  /**
   * ACME account e-mail (expiry notices). Required in ACME modes; may be a Terraform variable.
   * @default none
   */
  readonly email?: string;
  /**
   * Let's Encrypt's staging CA: untrusted certificates but generous rate limits, for first tries.
   * @default false
   */
  readonly staging?: boolean;
  /**
   * DNS-01: the lego provider code, e.g. `cloudflare`, `ovh`, `gandiv5`.
   * @default none (required with acme-dns)
   */
  readonly dnsProvider?: string;
  /**
   * DNS-01: the provider's credentials, by lego variable name (`CF_DNS_API_TOKEN` for Cloudflare).
   * Each reaches Traefik as a file through the `<NAME>_FILE` variable lego reads.
   * @default none (required with acme-dns)
   */
  readonly dnsCredentials?: Readonly<Record<string, Secret>>;
}

/** The engine the proxy runs on, its certificates, middlewares and dashboard. */
export interface ReverseProxyProps {
  /** The Docker engine the proxy and the routed services run on. */
  readonly engine: DockerEngine;
  /**
   * Stack name of the proxy: the name of its network (which routed services join) and the prefix
   * of its containers; the socket proxy's stack is `<name>-socket`.
   * @default "proxy" for the first in its Terraform stack, "proxy-<vm name>" for the next ones (other VMs)
   */
  readonly stackName?: string;
  /**
   * Certificates.
   * @default Let's Encrypt HTTP-01 (then `tls.email` is required)
   */
  readonly tls?: ProxyTlsProps;
  /**
   * Host address ports 80 and 443 are published on.
   * @default every address of the VM
   */
  readonly publishHostIp?: string;
  /**
   * Networks the `lan-only` middleware lets through.
   * @default the VM's LAN
   */
  readonly lanSourceRanges?: readonly string[];
  /**
   * Requests per second (average, burst) of the `rate-limit` middleware.
   * @default { average: 100, burst: 50 }
   */
  readonly rateLimit?: { readonly average: number; readonly burst: number };
  /**
   * Basic-auth user lists by middleware name; each secret holds htpasswd lines (`user:$2y$...`,
   * from `htpasswd -nB user`), never a plain password.
   * @default none
   */
  readonly basicAuth?: Readonly<Record<string, Secret>>;
  /**
   * Serve the Traefik dashboard on this host, behind `dashboardAuth`.
   * @default no dashboard
   */
  readonly dashboardHost?: string;
  /**
   * Basic-auth middleware (a key of `basicAuth`) that guards the dashboard.
   * @default none (required with dashboardHost)
   */
  readonly dashboardAuth?: string;
}

/** A reference to a middleware the proxy defines. */
export interface ProxyMiddleware {
  /** As routers name it, e.g. `lan-only@file`. */
  readonly reference: string;
}

/** How `proxy.expose()` routes requests to a service. */
export interface ExposeOptions {
  /** Host name the service answers on, e.g. `app.example.com`. */
  readonly host: string;
  /**
   * Container port to send requests to.
   * @default the service's only `expose` port
   */
  readonly port?: number;
  /**
   * Route only requests under this path.
   * @default every path
   */
  readonly pathPrefix?: string;
  /**
   * Middlewares, in order.
   * @default [proxy.securityHeaders]
   */
  readonly middlewares?: readonly ProxyMiddleware[];
}

/** A route through the proxy. */
export interface ProxyRoute {
  /** Router (and Traefik service) name. */
  readonly name: string;
  readonly host: string;
  readonly pathPrefix?: string;
  readonly port: number;
  readonly service: ComposeService;
  /** The route in file-provider form (what Traefik derives from the labels). */
  readonly dynamicConfig: Record<string, unknown>;
  /** The Docker labels that carry it. */
  readonly labels: Readonly<Record<string, string>>;
}

const PATH_PREFIX = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const LEGO_VARIABLE = /^[A-Z][A-Z0-9_]*$/;
const DNS_PROVIDER = /^[a-z0-9]+$/;

/**
 * Traefik v3 as the one way into the homelab's web apps: ports 80 and 443 with a redirect to HTTPS,
 * certificates from Let's Encrypt (HTTP-01 or DNS-01) or self-signed, and one line per app:
 * `proxy.expose(service, { host })`. Traefik reads Docker through a socket proxy that allows only
 * the read endpoints it needs, on a network of its own (a read-only docker.sock mount would not
 * restrict the API at all).
 */
export class ReverseProxy extends Construct {
  public readonly engine: DockerEngine;
  public readonly tlsMode: TlsMode;
  /** The stack that runs Traefik; its network `proxy` is the one routed services join. */
  public readonly stack: ComposeStack;
  public readonly socketProxy: ComposeStack;
  /** traefik.yml, as uploaded into the container. */
  public readonly staticConfig: Record<string, unknown>;
  /** The proxy's own dynamic configuration (middlewares), as uploaded into the container. */
  public readonly middlewareConfig: Record<string, unknown>;
  public readonly lanOnly: ProxyMiddleware = { reference: `${BUILTIN_MIDDLEWARES.lanOnly}@file` };
  public readonly securityHeaders: ProxyMiddleware = { reference: `${BUILTIN_MIDDLEWARES.securityHeaders}@file` };
  public readonly rateLimit: ProxyMiddleware = { reference: `${BUILTIN_MIDDLEWARES.rateLimit}@file` };
  private readonly basicAuthNames: ReadonlySet<string>;
  private readonly routes = new Map<string, ProxyRoute>();

  constructor(scope: Construct, id: string, props: ReverseProxyProps) {
    super(scope, id);
    const path = this.node.path;
    this.engine = props.engine;
    const tls = props.tls ?? {};
    this.tlsMode = tls.mode ?? "acme-http";
    if (!["acme-http", "acme-dns", "internal"].includes(this.tlsMode)) invalid({ path, key: "tls.mode", value: this.tlsMode, allowed: "expected acme-http, acme-dns or internal" });
    const acme = this.tlsMode !== "internal";
    if (acme && (tls.email === undefined || (!Token.isUnresolved(tls.email) && !isEmail(tls.email)))) {
      invalid({ path, key: "tls.email", value: tls.email, allowed: `expected an e-mail address for the ACME account (pattern ${EMAIL_PATTERN})` });
    }
    const dnsCredentials = tls.dnsCredentials ?? {};
    if (this.tlsMode === "acme-dns") {
      if (!tls.dnsProvider || !DNS_PROVIDER.test(tls.dnsProvider)) invalid({ path, key: "tls.dnsProvider", value: tls.dnsProvider, allowed: "expected a lego DNS provider code such as cloudflare" });
      if (Object.keys(dnsCredentials).length === 0) invalid({ path, key: "tls.dnsCredentials", value: dnsCredentials, allowed: `expected the credentials of DNS provider ${tls.dnsProvider} as secrets, e.g. { CF_DNS_API_TOKEN: secret }` });
      Object.keys(dnsCredentials).forEach((name) => {
        if (!LEGO_VARIABLE.test(name) || name.endsWith("_FILE")) invalid({ path, key: `tls.dnsCredentials.${name}`, value: name, allowed: "expected a lego variable name such as CF_DNS_API_TOKEN (without _FILE)" });
      });
    }
    const rateLimit = props.rateLimit ?? { average: 100, burst: 50 };
    checkInteger(path, "rateLimit.average", rateLimit.average, { min: 1 });
    checkInteger(path, "rateLimit.burst", rateLimit.burst, { min: 1 });
    const basicAuth = props.basicAuth ?? {};
    this.basicAuthNames = new Set(Object.keys(basicAuth));
    if (props.dashboardHost !== undefined) {
      this.checkHost("dashboardHost", props.dashboardHost);
      if (!props.dashboardAuth || !this.basicAuthNames.has(props.dashboardAuth)) {
        invalid({ path, key: "dashboardAuth", value: props.dashboardAuth, allowed: `expected one of the basicAuth middlewares (${[...this.basicAuthNames].join(", ") || "none defined"}): the dashboard is never served without auth` });
      }
    }

    const stackName = ComposeStack.perVmStackName(this, this.engine, props.stackName, "proxy", ["-socket"]);
    // Read-only endpoints Traefik's Docker provider uses; everything else (POST, exec, ...) is refused.
    const socketProxy = dockerSocketProxy(this, "socket-proxy", {
      engine: this.engine,
      stackName: `${stackName}-socket`,
      // Traefik's Swarm provider lists services, networks and tasks and inspects nodes (pswarm.go).
      allow: this.engine.swarm ? ["SERVICES", "NETWORKS", "TASKS", "NODES", "EVENTS", "PING", "VERSION"] : ["CONTAINERS", "EVENTS", "PING", "VERSION"],
      client: "Traefik",
    });
    this.socketProxy = socketProxy.stack;

    this.staticConfig = traefikStaticConfig({
      tlsMode: this.tlsMode,
      email: tls.email,
      staging: tls.staging,
      dnsProvider: tls.dnsProvider,
      dockerEndpoint: socketProxy.endpoint,
      network: stackName,
      dashboard: props.dashboardHost !== undefined,
      swarm: this.engine.swarm !== undefined,
    });
    this.middlewareConfig = middlewaresConfig({
      lanSourceRanges: props.lanSourceRanges ?? [this.engine.lanCidr],
      rateLimit,
      basicAuthFiles: Object.fromEntries(Object.entries(basicAuth).map(([name, secret]) => [name, `/run/secrets/${secret.name}`])),
    });

    const credentialFiles = Object.fromEntries(Object.entries(dnsCredentials).map(([name, secret]) => [`${name}_FILE`, secret]));
    const authFiles = Object.fromEntries(Object.values(basicAuth).map((secret) => [`DOCKHOST_HTPASSWD_${secret.name.toUpperCase()}_FILE`, secret]));
    this.stack = new ComposeStack(this, "traefik", {
      engine: this.engine,
      stackName,
      volumes: { letsencrypt: { sizeBudgetGb: 1 } },
      services: {
        traefik: {
          image: TRAEFIK_IMAGE,
          ports: [ENTRYPOINTS.web.port, ENTRYPOINTS.websecure.port].map((port) => ({ hostIp: props.publishHostIp, hostPort: port, containerPort: port })),
          expose: [ENTRYPOINTS.metrics.port],
          files: {
            [STATIC_CONFIG_PATH]: stringify(this.staticConfig),
            [`${DYNAMIC_CONFIG_DIR}/middlewares.yml`]: stringify(this.middlewareConfig),
          },
          secrets: { ...credentialFiles, ...authFiles },
          volumes: [{ volume: "letsencrypt", target: ACME_STORAGE_DIR }],
          healthcheck: { test: ["CMD", "traefik", "healthcheck", "--ping"], interval: "30s", timeout: "5s", retries: 3 },
          restart: "unless-stopped",
          securityOpt: this.engine.swarm ? undefined : ["no-new-privileges:true"],
          memoryLimitMb: 256,
          // On a Swarm, Traefik runs on the node that holds acme.json (the stack's data node) and
          // publishes 80/443 on that node itself (host mode): the router forwards to that VM.
          deploy: this.engine.swarm && { endpointMode: "dnsrr" },
        },
      },
    });
    socketProxy.serve(this.stack.service("traefik"));
    if (props.dashboardHost !== undefined) {
      const name = "dashboard";
      const dashboard = router({ name, host: props.dashboardHost, acme, service: "api@internal", middlewares: [`${props.dashboardAuth}@file`, this.securityHeaders.reference] });
      this.stack.addLabels("traefik", { "traefik.enable": "true", ...flattenToLabels({ http: { routers: { [name]: dashboard } } }) });
    }
  }

  /** The basic-auth middleware `name` (a key of the `basicAuth` prop). */
  public basicAuth(name: string): ProxyMiddleware {
    if (!this.basicAuthNames.has(name)) invalid({ path: this.node.path, key: "basicAuth", value: name, allowed: `expected one of ${[...this.basicAuthNames].join(", ") || "(none defined in props.basicAuth)"}` });
    return { reference: `${name}@file` };
  }

  /** Every route, in the order they were added. */
  public get routeList(): readonly ProxyRoute[] {
    return [...this.routes.values()];
  }

  /**
   * Routes `host` (and `pathPrefix`) to a service over HTTPS: adds Traefik's labels to its container
   * and joins it to the proxy network. The service must run on this proxy's engine, in its stack.
   */
  public expose(service: ComposeService, options: ExposeOptions): ProxyRoute {
    const path = this.node.path;
    if (TerraformStack.of(service.resource) !== TerraformStack.of(this) || service.stack.engine !== this.engine) {
      invalid({ path, key: "expose.service", value: service.containerName, allowed: `expected a service on engine ${this.engine.node.path} in stack ${TerraformStack.of(this).node.id}` });
    }
    this.checkHost("expose.host", options.host);
    if (options.pathPrefix !== undefined && !PATH_PREFIX.test(options.pathPrefix)) {
      invalid({ path, key: "expose.pathPrefix", value: options.pathPrefix, allowed: "expected a path starting with /" });
    }
    const port = this.routePort(service, options.port);
    const key = `${options.host}${options.pathPrefix ?? ""}`;
    const existing = [...this.routes.values()].find((r) => `${r.host}${r.pathPrefix ?? ""}` === key);
    if (existing) {
      invalid({ path, key: "expose.host", value: key, allowed: `expected a host and path not already routed (route ${existing.name} to ${existing.service.containerName} has it)` });
    }
    const count = [...this.routes.values()].filter((r) => r.service === service).length;
    const name = count === 0 ? service.containerName : `${service.containerName}-${count + 1}`;
    const middlewares = (options.middlewares ?? [this.securityHeaders]).map((m) => m.reference);
    const route = containerRoute({ name, host: options.host, pathPrefix: options.pathPrefix, middlewares, acme: this.tlsMode !== "internal", port, containerName: service.containerName });
    // Traefik refuses a service that has both traefik.docker.* and traefik.swarm.* labels (shared_labels.go).
    const labels = { "traefik.enable": "true", [`traefik.${this.engine.swarm ? "swarm" : "docker"}.network`]: this.stack.network.name, ...flattenToLabels(route.labels) };
    service.stack.addLabels(service.name, labels);
    if (service.stack !== this.stack) service.stack.attachNetwork(service.name, this.stack.network);
    const result: ProxyRoute = { name, host: options.host, pathPrefix: options.pathPrefix, port, service, dynamicConfig: route.file, labels };
    this.routes.set(name, result);
    return result;
  }

  private routePort(service: ComposeService, port: number | undefined): number {
    const offered = offeredPorts(service.spec);
    if (port === undefined) {
      if (offered.length === 1) return offered[0];
      invalid({ path: this.node.path, key: "expose.port", value: port, allowed: `service ${service.containerName} exposes ${offered.length === 0 ? "no port" : `ports ${offered.join(", ")}`}: name one (and list it in the service's expose)` });
    }
    if (!offered.includes(port)) {
      invalid({ path: this.node.path, key: "expose.port", value: port, allowed: `expected a port service ${service.containerName} exposes: ${offered.join(", ") || "none (add it to the service's expose)"}` });
    }
    return port;
  }

  private checkHost(key: string, host: string): void {
    if (!Token.isUnresolved(host) && !isHostname(host)) {
      invalid({ path: this.node.path, key, value: host, allowed: "expected a lowercase host name such as app.example.com" });
    }
  }
}
