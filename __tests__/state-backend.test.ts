/**
 * Where the stacks keep their Terraform state: local by default (relative path), an S3-compatible
 * bucket or PostgreSQL by configuration; credentials never in the output; cross-stack references
 * read the other stack's state through the same backend.
 */
import { App } from "cdktf";
import { DockhostStack } from "../constructs/dockhost-stack";
import { buildReferenceHomelab } from "../main";
import { StateBackend, stateBackendFromEnv } from "../lib/state-backend";
import { synthAll, testApp } from "./support/synth";

const MINIO: StateBackend = { type: "s3", endpoint: "https://minio.lan:9000", bucket: "homelab-tfstate" };

/** The reference homelab with the backend environment variables `env` set while it is built. */
function referenceWith(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return synthAll(buildReferenceHomelab(testApp()).app as App);
  } finally {
    process.env = saved;
  }
}

function remoteState(apps: Record<string, any>): { backend: string; config: Record<string, unknown> } {
  return apps.data.terraform_remote_state["cross-stack-reference-input-dockhost-infra"];
}

describe("DockhostStack backends", () => {
  test("the default is a local state file under a relative path, for this stack and for readers of it", () => {
    const stacks = referenceWith({});
    expect(stacks["dockhost-infra"].terraform.backend).toEqual({ local: { path: "../../../terraform.dockhost-infra.tfstate" } });
    expect(remoteState(stacks["dockhost-apps"])).toMatchObject({ backend: "local", config: { path: "../../../terraform.dockhost-infra.tfstate" } });
  });

  test("s3 (MinIO): path-style, no AWS checks, native locking, one key per stack, no credentials", () => {
    const stacks = referenceWith({ DOCKHOST_BACKEND: "s3", DOCKHOST_S3_ENDPOINT: "https://minio.lan:9000", DOCKHOST_S3_BUCKET: "homelab-tfstate" });
    expect(stacks["dockhost-infra"].terraform.backend).toEqual({
      s3: {
        bucket: "homelab-tfstate",
        key: "dockhost/dockhost-infra.tfstate",
        region: "us-east-1",
        endpoints: { s3: "https://minio.lan:9000" },
        use_path_style: true,
        skip_credentials_validation: true,
        skip_region_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_s3_checksum: true,
        use_lockfile: true,
      },
    });
    expect(stacks["dockhost-apps"].terraform.backend.s3.key).toBe("dockhost/dockhost-apps.tfstate");
    // The apps stack reads the infra stack's object in the same bucket.
    const remote = remoteState(stacks["dockhost-apps"]);
    expect(remote.backend).toBe("s3");
    expect(remote.config).toMatchObject({ bucket: "homelab-tfstate", key: "dockhost/dockhost-infra.tfstate", endpoints: { s3: "https://minio.lan:9000" }, use_path_style: true });
    const text = JSON.stringify(stacks);
    expect(text).not.toMatch(/access_key|secret_key|AWS_/);
  });

  test("s3 options: key prefix, region, and locking off for stores without conditional writes", () => {
    const app = testApp();
    new DockhostStack(app, "infra", { backend: { ...MINIO, keyPrefix: "lab/two", region: "garage", lockfile: false } });
    const { infra } = synthAll(app);
    expect(infra.terraform.backend.s3).toMatchObject({ key: "lab/two/infra.tfstate", region: "garage" });
    expect(infra.terraform.backend.s3).not.toHaveProperty("use_lockfile");
  });

  test("pg: one schema per stack, the connection string left to PG_CONN_STR", () => {
    const stacks = referenceWith({ DOCKHOST_BACKEND: "pg", DOCKHOST_PG_SCHEMA_PREFIX: "lab" });
    expect(stacks["dockhost-infra"].terraform.backend).toEqual({ pg: { schema_name: "lab_dockhost_infra" } });
    expect(stacks["dockhost-apps"].terraform.backend).toEqual({ pg: { schema_name: "lab_dockhost_apps" } });
    expect(remoteState(stacks["dockhost-apps"])).toEqual(expect.objectContaining({ backend: "pg", config: expect.objectContaining({ schema_name: "lab_dockhost_infra" }) }));
    expect(JSON.stringify(stacks)).not.toContain("conn_str");
  });

  test.each<[string, StateBackend, string]>([
    ["backend.endpoint", { ...MINIO, endpoint: "minio.lan:9000" }, '"minio.lan:9000"'],
    ["backend.bucket", { ...MINIO, bucket: "Homelab_State" }, '"Homelab_State"'],
    ["backend.keyPrefix", { ...MINIO, keyPrefix: "/abs/" }, '"/abs/"'],
    ["backend.region", { ...MINIO, region: " " }, '" "'],
    ["backend.schemaPrefix", { type: "pg", schemaPrefix: "Lab-1" }, '"Lab-1"'],
  ])("refuses a bad %s", (key, backend, value) => {
    expect(() => new DockhostStack(testApp(), "infra", { backend })).toThrow(`infra: invalid ${key} = ${value}`);
  });
});

describe("stateBackendFromEnv", () => {
  test("nothing set: the local backend, so a fresh clone synthesizes", () => {
    expect(stateBackendFromEnv({})).toEqual({ type: "local" });
    expect(stateBackendFromEnv({ DOCKHOST_BACKEND: "" })).toEqual({ type: "local" });
  });

  test("s3 and pg settings", () => {
    expect(
      stateBackendFromEnv({
        DOCKHOST_BACKEND: "s3",
        DOCKHOST_S3_ENDPOINT: "http://10.0.0.5:9000",
        DOCKHOST_S3_BUCKET: "tf",
        DOCKHOST_S3_KEY_PREFIX: "lab",
        DOCKHOST_S3_REGION: "eu",
        DOCKHOST_S3_LOCKFILE: "false",
      }),
    ).toEqual({ type: "s3", endpoint: "http://10.0.0.5:9000", bucket: "tf", keyPrefix: "lab", region: "eu", lockfile: false });
    expect(stateBackendFromEnv({ DOCKHOST_BACKEND: "pg" })).toEqual({ type: "pg", schemaPrefix: undefined });
  });

  test("a missing or unknown setting names the variable", () => {
    expect(() => stateBackendFromEnv({ DOCKHOST_BACKEND: "s3", DOCKHOST_S3_ENDPOINT: "http://minio:9000" })).toThrow(
      "environment: invalid DOCKHOST_S3_BUCKET = (missing); required with DOCKHOST_BACKEND=s3",
    );
    expect(() => stateBackendFromEnv({ DOCKHOST_BACKEND: "consul" })).toThrow('invalid DOCKHOST_BACKEND = "consul"; expected one of local, s3, pg');
    expect(() => stateBackendFromEnv({ DOCKHOST_BACKEND: "s3", DOCKHOST_S3_ENDPOINT: "http://m:9000", DOCKHOST_S3_BUCKET: "tf", DOCKHOST_S3_LOCKFILE: "yes" })).toThrow(
      'invalid DOCKHOST_S3_LOCKFILE = "yes"; expected true or false',
    );
  });
});
