import { CERT_RESOLVER, ENTRYPOINTS } from "./static-config";

/** Middlewares every proxy defines in its file provider; routes refer to them as `<name>@file`. */
export interface MiddlewareSettings {
  /** Networks allowed by the `lan-only` middleware. */
  readonly lanSourceRanges: readonly string[];
  readonly rateLimit: { readonly average: number; readonly burst: number };
  /** Basic-auth middleware name to the path of its htpasswd file inside the Traefik container. */
  readonly basicAuthFiles: Readonly<Record<string, string>>;
}

export const BUILTIN_MIDDLEWARES = { lanOnly: "lan-only", securityHeaders: "security-headers", rateLimit: "rate-limit" } as const;

/** The proxy's own dynamic configuration file (middlewares), in Traefik's file-provider shape. */
export function middlewaresConfig(settings: MiddlewareSettings): Record<string, unknown> {
  const basicAuth = Object.fromEntries(Object.entries(settings.basicAuthFiles).map(([name, usersFile]) => [name, { basicAuth: { usersFile } }]));
  return {
    http: {
      middlewares: {
        [BUILTIN_MIDDLEWARES.lanOnly]: { ipAllowList: { sourceRange: [...settings.lanSourceRanges] } },
        [BUILTIN_MIDDLEWARES.securityHeaders]: {
          headers: {
            stsSeconds: 31536000,
            stsIncludeSubdomains: true,
            contentTypeNosniff: true,
            frameDeny: true,
            referrerPolicy: "strict-origin-when-cross-origin",
          },
        },
        [BUILTIN_MIDDLEWARES.rateLimit]: { rateLimit: { average: settings.rateLimit.average, burst: settings.rateLimit.burst } },
        ...basicAuth,
      },
    },
  };
}

export interface RouterInput {
  readonly name: string;
  readonly host: string;
  readonly pathPrefix?: string;
  /** Middleware references, e.g. `security-headers@file`. */
  readonly middlewares: readonly string[];
  /** Certificate resolver, or none for Traefik's own (self-signed) certificate. */
  readonly acme: boolean;
  /** Traefik service the router sends to; defaults to the router's own. */
  readonly service?: string;
}

/** The rule, as Traefik v3 writes it. */
export function routerRule(host: string, pathPrefix?: string): string {
  return pathPrefix ? `Host(\`${host}\`) && PathPrefix(\`${pathPrefix}\`)` : `Host(\`${host}\`)`;
}

export function router(input: RouterInput): Record<string, unknown> {
  return {
    rule: routerRule(input.host, input.pathPrefix),
    entryPoints: [ENTRYPOINTS.websecure.name],
    service: input.service ?? input.name,
    tls: input.acme ? { certResolver: CERT_RESOLVER } : {},
    ...(input.middlewares.length > 0 && { middlewares: [...input.middlewares] }),
  };
}

/**
 * A routed container's dynamic configuration in two equivalent forms: `labels` as the Docker
 * provider reads them (the port on the container), and `file` as the file provider would hold it
 * (the server URL the Docker provider derives), which Traefik's JSON schema can check.
 */
export function containerRoute(input: RouterInput & { readonly port: number; readonly containerName: string }) {
  const routers = { [input.name]: router(input) };
  return {
    labels: { http: { routers, services: { [input.name]: { loadBalancer: { server: { port: input.port } } } } } },
    file: { http: { routers, services: { [input.name]: { loadBalancer: { servers: [{ url: `http://${input.containerName}:${input.port}` }] } } } } },
  };
}
