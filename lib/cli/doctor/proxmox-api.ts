/**
 * A read-only Proxmox VE API client: it has a GET and nothing else, so doctor cannot change the
 * server. It authenticates as the bpg provider does, with an API token `user@realm!id=secret`
 * (header `Authorization: PVEAPIToken=...`), and never prints the secret.
 */
import * as http from "http";
import * as https from "https";

export class ProxmoxApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    reason: string,
  ) {
    super(`GET ${path}: HTTP ${status} ${reason}`);
  }
}

export interface ProxmoxApiOptions {
  /** The API endpoint as the provider takes it, e.g. https://pve.lan:8006/ (no /api2/json). */
  readonly endpoint: string;
  readonly apiToken: string;
  /** Accept a self-signed certificate. */
  readonly insecure?: boolean;
  readonly timeoutMs?: number;
}

/** The token's id (`user@realm!name`), which ACLs name; the secret after `=` stays out. */
export function tokenId(apiToken: string): string {
  return apiToken.split("=")[0];
}

export const TOKEN_PATTERN = /^[^\s:/@]+@[A-Za-z][\w.-]*![A-Za-z][\w.-]*=\S+$/;

export class ProxmoxApi {
  private readonly base: URL;

  constructor(private readonly options: ProxmoxApiOptions) {
    this.base = new URL("api2/json/", options.endpoint.endsWith("/") ? options.endpoint : `${options.endpoint}/`);
  }

  /** GET `path` (e.g. `/nodes`) with query `params`; resolves to the response's `data`. */
  get<T = unknown>(path: string, params: Record<string, string> = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ""), this.base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: "GET",
          headers: { Authorization: `PVEAPIToken=${this.options.apiToken}`, Accept: "application/json" },
          rejectUnauthorized: !this.options.insecure,
          timeout: this.options.timeoutMs ?? 15_000,
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => {
            // Proxmox puts the reason of an error in the status line.
            if (response.statusCode !== 200) return reject(new ProxmoxApiError(response.statusCode ?? 0, path, response.statusMessage ?? ""));
            try {
              resolve(JSON.parse(body).data as T);
            } catch {
              reject(new ProxmoxApiError(200, path, "the body is not JSON"));
            }
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error(`GET ${path}: no answer from ${this.base.origin} within ${(this.options.timeoutMs ?? 15_000) / 1000} s`)));
      request.on("error", reject);
      request.end();
    });
  }
}
