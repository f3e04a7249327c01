/**
 * Traefik v3's static configuration (traefik.yml), built as an object in Traefik's own YAML shape
 * so that it can be checked against Traefik's published JSON schema before it ships.
 */

/** Entry points and their container ports. */
export const ENTRYPOINTS = {
  web: { name: "web", port: 80 },
  websecure: { name: "websecure", port: 443 },
  metrics: { name: "metrics", port: 8082 },
} as const;

/** The certificate resolver every ACME route uses. */
export const CERT_RESOLVER = "letsencrypt";
/** Where Traefik keeps ACME accounts and certificates: a persistent volume is mounted here. */
export const ACME_STORAGE_DIR = "/letsencrypt";
export const STATIC_CONFIG_PATH = "/etc/traefik/traefik.yml";
export const DYNAMIC_CONFIG_DIR = "/etc/traefik/dynamic";
export const LETSENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

/** How certificates are obtained. */
export type TlsMode = "acme-http" | "acme-dns" | "internal";

export interface StaticConfigInput {
  readonly tlsMode: TlsMode;
  /** ACME account e-mail (ACME modes). */
  readonly email?: string;
  /** Use Let's Encrypt's staging CA (untrusted certificates, generous rate limits). */
  readonly staging?: boolean;
  /** lego DNS provider code for DNS-01, e.g. `cloudflare`. */
  readonly dnsProvider?: string;
  /** Docker API endpoint (the socket proxy). */
  readonly dockerEndpoint: string;
  /** Network Traefik reaches routed containers on. */
  readonly network: string;
  readonly dashboard: boolean;
  /**
   * Read Swarm services' labels (Traefik's Swarm provider) instead of containers'.
   * @default false
   */
  readonly swarm?: boolean;
}

export function traefikStaticConfig(input: StaticConfigInput): Record<string, unknown> {
  const { web, websecure, metrics } = ENTRYPOINTS;
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      [web.name]: {
        address: `:${web.port}`,
        http: { redirections: { entryPoint: { to: websecure.name, scheme: "https", permanent: true } } },
      },
      [websecure.name]: { address: `:${websecure.port}` },
      [metrics.name]: { address: `:${metrics.port}` },
    },
    providers: {
      // Traefik v3.6.24 pkg/provider/docker/pswarm.go: `providers.swarm` shares the Docker provider's
      // options (shared.go) and polls every refreshSeconds; both negotiate the API version with
      // the engine (shared.go createClient: moby/moby/client's client.New negotiates by default).
      ...(input.swarm
        ? { swarm: { endpoint: input.dockerEndpoint, exposedByDefault: false, network: input.network, refreshSeconds: "15s" } }
        : { docker: { endpoint: input.dockerEndpoint, exposedByDefault: false, network: input.network, watch: true } }),
      file: { directory: DYNAMIC_CONFIG_DIR, watch: true },
    },
    ...(input.tlsMode !== "internal" && { certificatesResolvers: { [CERT_RESOLVER]: { acme: acmeConfig(input) } } }),
    api: { dashboard: input.dashboard },
    ping: {},
    metrics: { prometheus: { entryPoint: metrics.name, addRoutersLabels: true } },
    log: { level: "INFO" },
    accessLog: {},
  };
}

function acmeConfig(input: StaticConfigInput): Record<string, unknown> {
  return {
    email: input.email,
    storage: `${ACME_STORAGE_DIR}/acme.json`,
    ...(input.staging && { caServer: LETSENCRYPT_STAGING }),
    ...(input.tlsMode === "acme-http"
      ? { httpChallenge: { entryPoint: ENTRYPOINTS.web.name } }
      : { dnsChallenge: { provider: input.dnsProvider, resolvers: ["1.1.1.1:53", "9.9.9.9:53"] } }),
  };
}
