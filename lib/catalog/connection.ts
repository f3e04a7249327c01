/**
 * What a catalog construct tells other stacks about how to reach it. Values are Terraform
 * references where they carry a Secret: they never appear in the synthesized JSON.
 */
import { Fn } from "cdktf";
import { deriveSecretToken } from "../secret-tokens";

/** A value that holds a secret (it embeds a sensitive variable): pass it as a service secret or env, never print it. */
export interface Sensitive {
  readonly sensitive: true;
  readonly value: string;
}

/** How a client on the server's network reaches a database or cache. */
export interface Connection {
  readonly engine: "PostgreSQL" | "Redis";
  /** Host name on the server's network (its container name: resolvable from any stack that joins it). */
  readonly host: string;
  readonly port: number;
  /** Database name (PostgreSQL) or index (Redis). */
  readonly database: string;
  /** Login user; absent for Redis. */
  readonly user?: string;
  /** The URL with the password (URL-encoded by Terraform): `postgres://user:pw@host:5432/db`. */
  readonly url: Sensitive;
}

/** `scheme://user:password@host:port/database`, the password URL-encoded at plan time. */
export function connectionUrl(scheme: string, host: string, port: number, database: string, user: string, password: string | undefined): Sensitive {
  const credentials = password === undefined ? "" : `${user}:${deriveSecretToken(Fn.urlencode(password), password)}@`;
  return { sensitive: true, value: `${scheme}://${credentials}${host}:${port}/${database}` };
}
