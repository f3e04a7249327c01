/**
 * A client of the OCI distribution API (registry v2) for public images: list tags and read the
 * digest of a tag, with the anonymous Bearer-token dance Docker Hub, ghcr.io and quay.io use
 * (a 401 names the token service in WWW-Authenticate; the token is fetched without credentials).
 */
import { ImageReference } from "../compose/image-reference";

/** Manifest types a digest may be asked for: a multi-platform index first, as `docker pull` does. */
const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");
const DOCKER_HUB = "registry-1.docker.io";
/** Most tags fetched per repository (Docker Hub's official images have thousands). */
const MAX_TAG_PAGES = 20;

/** Where an image's repository lives in the registry API. */
export interface RegistryRepository {
  /** Base URL, e.g. `https://registry-1.docker.io`. */
  readonly baseUrl: string;
  /** Repository path as the API names it (`library/postgres` for Docker Hub's official images). */
  readonly name: string;
}

/** The registry API address of a parsed reference. Loopback registries are spoken to over plain HTTP. */
export function registryRepository(ref: ImageReference): RegistryRepository {
  const host = ref.registry ?? DOCKER_HUB;
  const hub = host === DOCKER_HUB || host === "docker.io" || host === "index.docker.io";
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  const name = hub && !ref.repository.includes("/") ? `library/${ref.repository}` : ref.repository;
  return { baseUrl: `${loopback ? "http" : "https"}://${hub ? DOCKER_HUB : host}`, name };
}

/** Talks to one registry, caching one token per repository and scope. */
export class RegistryClient {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  /** Every tag of the repository (following `Link` pagination, up to a bound). */
  public async tags(repo: RegistryRepository): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `${repo.baseUrl}/v2/${repo.name}/tags/list?n=1000`;
    for (let page = 0; next !== undefined && page < MAX_TAG_PAGES; page++) {
      const response = await this.get(repo, next, "GET", { Accept: "application/json" });
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = response.headers.get("link");
      const match = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
      next = match ? new URL(match[1], repo.baseUrl).toString() : undefined;
    }
    return tags;
  }

  /** The content digest of `tag` (of the index for multi-platform images), as Docker pins it. */
  public async digest(repo: RegistryRepository, tag: string): Promise<string> {
    const response = await this.get(repo, `${repo.baseUrl}/v2/${repo.name}/manifests/${tag}`, "HEAD", { Accept: MANIFEST_TYPES });
    const digest = response.headers.get("docker-content-digest");
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`${repo.baseUrl}/${repo.name}:${tag}: the registry sent no Docker-Content-Digest`);
    return digest;
  }

  private async get(repo: RegistryRepository, url: string, method: "GET" | "HEAD", headers: Record<string, string>): Promise<Response> {
    const key = `${repo.baseUrl}/${repo.name}`;
    const withToken = (): Record<string, string> => {
      const token = this.tokens.get(key);
      return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
    };
    let response = await this.fetchImpl(url, { method, headers: withToken() });
    if (response.status === 401) {
      const challenge = response.headers.get("www-authenticate") ?? "";
      this.tokens.set(key, await this.token(challenge, repo));
      response = await this.fetchImpl(url, { method, headers: withToken() });
    }
    if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status}`);
    return response;
  }

  /** An anonymous pull token from the service a `Bearer realm=...,service=...,scope=...` challenge names. */
  private async token(challenge: string, repo: RegistryRepository): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!/^Bearer\s/i.test(challenge) || !params.realm) throw new Error(`${repo.baseUrl}: unsupported authentication challenge "${challenge}"`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${repo.name}:pull`);
    const response = await this.fetchImpl(url.toString(), { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`token from ${url.origin}: HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token from ${url.origin}: no token in the answer`);
    return token;
  }
}
