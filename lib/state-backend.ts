import { LocalBackend, PgBackend, PgBackendConfig, S3Backend, TerraformBackend, TerraformStack } from "cdktf";
import { invalid } from "./errors";

/**
 * Terraform state in a file in the project folder, `terraform.<stack id>.tfstate`. The default:
 * fine on one laptop, useless on a CI runner that cleans its checkout.
 */
export interface LocalStateBackend {
  readonly type: "local";
}

/**
 * Terraform state in an S3-compatible bucket: MinIO, Garage, SeaweedFS, Ceph RGW (or AWS S3). The
 * credentials never reach the synthesized JSON: Terraform reads `AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY` from the environment. Each stack's state is `<keyPrefix>/<stack id>.tfstate`.
 */
export interface S3StateBackend {
  readonly type: "s3";
  /** The S3 API URL, e.g. `https://minio.lan:9000`. */
  readonly endpoint: string;
  /** An existing bucket (create it first, with versioning on so an old state can be restored). */
  readonly bucket: string;
  /**
   * Folder of the state objects in the bucket.
   * @default "dockhost"
   */
  readonly keyPrefix?: string;
  /**
   * Region name sent to the store; self-hosted stores accept any.
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Lock the state with a `.tflock` object next to it (Terraform >= 1.10), so two runs cannot write
   * it at once. Needs a store that honours conditional writes (`If-None-Match`); turn it off for one
   * that does not, and never run two deploys at once.
   * @default true
   */
  readonly lockfile?: boolean;
}

/**
 * Terraform state in PostgreSQL, one schema per stack (`<schemaPrefix>_<stack id>` with `_` for
 * `-`). The connection string (with its password) never reaches the synthesized JSON: Terraform
 * reads `PG_CONN_STR` from the environment. Locking is built in.
 */
export interface PgStateBackend {
  readonly type: "pg";
  /**
   * Prefix of the schema names, to keep several homelabs in one database.
   * @default none: the schemas are named after the stacks (`dockhost_infra`, ...)
   */
  readonly schemaPrefix?: string;
}

/** Where a stack keeps its Terraform state. */
export type StateBackend = LocalStateBackend | S3StateBackend | PgStateBackend;

export const STATE_BACKEND_TYPES = ["local", "s3", "pg"] as const;

/** The environment variables {@link stateBackendFromEnv} reads. */
export const STATE_BACKEND_ENV = {
  type: "DOCKHOST_BACKEND",
  s3Endpoint: "DOCKHOST_S3_ENDPOINT",
  s3Bucket: "DOCKHOST_S3_BUCKET",
  s3KeyPrefix: "DOCKHOST_S3_KEY_PREFIX",
  s3Region: "DOCKHOST_S3_REGION",
  s3Lockfile: "DOCKHOST_S3_LOCKFILE",
  pgSchemaPrefix: "DOCKHOST_PG_SCHEMA_PREFIX",
} as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const URL = /^https?:\/\/[^/\s]+(\/\S*)?$/;
const SCHEMA_PREFIX = /^[a-z_][a-z0-9_]{0,29}$/;

/**
 * The backend a homelab app uses, from environment variables (so that CI picks it from repository
 * variables and a fresh clone, with none set, gets the local backend):
 * `DOCKHOST_BACKEND` = `local` (default), `s3` or `pg`; for s3 `DOCKHOST_S3_ENDPOINT` and
 * `DOCKHOST_S3_BUCKET` (required), `DOCKHOST_S3_KEY_PREFIX`, `DOCKHOST_S3_REGION`,
 * `DOCKHOST_S3_LOCKFILE` (`true`/`false`); for pg `DOCKHOST_PG_SCHEMA_PREFIX`. Credentials stay in
 * the variables Terraform itself reads (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `PG_CONN_STR`).
 */
export function stateBackendFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): StateBackend {
  const read = (name: string): string | undefined => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const required = (name: string): string => read(name) ?? invalid({ path: "environment", key: name, value: undefined, allowed: `required with ${STATE_BACKEND_ENV.type}=${read(STATE_BACKEND_ENV.type)}` });
  const type = read(STATE_BACKEND_ENV.type) ?? "local";
  switch (type) {
    case "local":
      return { type };
    case "s3":
      return {
        type,
        endpoint: required(STATE_BACKEND_ENV.s3Endpoint),
        bucket: required(STATE_BACKEND_ENV.s3Bucket),
        keyPrefix: read(STATE_BACKEND_ENV.s3KeyPrefix),
        region: read(STATE_BACKEND_ENV.s3Region),
        lockfile: readBoolean(STATE_BACKEND_ENV.s3Lockfile, read(STATE_BACKEND_ENV.s3Lockfile)),
      };
    case "pg":
      return { type, schemaPrefix: read(STATE_BACKEND_ENV.pgSchemaPrefix) };
    default:
      return invalid({ path: "environment", key: STATE_BACKEND_ENV.type, value: type, allowed: `expected one of ${STATE_BACKEND_TYPES.join(", ")}` });
  }
}

function readBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  return invalid({ path: "environment", key: name, value, allowed: "expected true or false" });
}

/**
 * Terraform runs each stack in `cdktf.out/stacks/<id>/`, so three levels up is the project folder.
 * Every stack sits at the same depth, so the same relative path also works for the remote-state
 * data source another stack reads this one with (cdktf's default would be an absolute path, which
 * differs from machine to machine).
 */
export function localStatePath(stackId: string): string {
  return `../../../terraform.${stackId}.tfstate`;
}

/**
 * Adds the backend to `stack`, after checking the settings (errors name `path`). cdktf derives the
 * `terraform_remote_state` data source that other stacks read this one with from the same backend.
 */
export function addStateBackend(stack: TerraformStack, backend: StateBackend, path: string): TerraformBackend {
  const stackId = stack.node.id;
  switch (backend.type) {
    case "local":
      return new LocalBackend(stack, { path: localStatePath(stackId) });
    case "s3":
      return addS3Backend(stack, backend, path);
    case "pg":
      return addPgBackend(stack, backend, path);
    default:
      return invalid({ path, key: "backend.type", value: (backend as { type?: unknown }).type, allowed: `expected one of ${STATE_BACKEND_TYPES.join(", ")}` });
  }
}

function addS3Backend(stack: TerraformStack, backend: S3StateBackend, path: string): TerraformBackend {
  if (!URL.test(backend.endpoint)) invalid({ path, key: "backend.endpoint", value: backend.endpoint, allowed: "expected an http(s) URL such as https://minio.lan:9000" });
  if (!BUCKET_NAME.test(backend.bucket)) invalid({ path, key: "backend.bucket", value: backend.bucket, allowed: "expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)" });
  const keyPrefix = backend.keyPrefix ?? "dockhost";
  if (!KEY_PREFIX.test(keyPrefix)) invalid({ path, key: "backend.keyPrefix", value: keyPrefix, allowed: "expected a relative object key prefix such as homelab/dockhost (no leading or trailing /)" });
  const region = backend.region ?? "us-east-1";
  if (region.trim() === "") invalid({ path, key: "backend.region", value: region, allowed: "expected a region name" });
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: `${keyPrefix}/${stack.node.id}.tfstate`,
    region,
    endpoints: { s3: backend.endpoint },
    // A self-hosted store has no AWS account, STS, region list or instance metadata to check.
    usePathStyle: true,
    skipCredentialsValidation: true,
    skipRegionValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
    // Newer AWS SDK checksums are not implemented by every S3-compatible store.
    skipS3Checksum: true,
  });
  // cdktf 0.21's S3BackendConfig predates Terraform 1.10's native S3 locking.
  if (backend.lockfile ?? true) s3.addOverride("use_lockfile", true);
  return s3;
}

function addPgBackend(stack: TerraformStack, backend: PgStateBackend, path: string): TerraformBackend {
  if (backend.schemaPrefix !== undefined && !SCHEMA_PREFIX.test(backend.schemaPrefix)) {
    invalid({ path, key: "backend.schemaPrefix", value: backend.schemaPrefix, allowed: `expected a PostgreSQL identifier matching ${SCHEMA_PREFIX.source}` });
  }
  const schema = stack.node.id.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  // conn_str stays out of the JSON: Terraform reads PG_CONN_STR (cdktf's type calls it required).
  const config: Omit<PgBackendConfig, "connStr"> = { schemaName: backend.schemaPrefix ? `${backend.schemaPrefix}_${schema}` : schema };
  return new PgBackend(stack, config as PgBackendConfig);
}
