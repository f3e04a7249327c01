import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { DockhostApp } from "../../constructs/dockhost-app";

/** A synthesized stack's Terraform JSON. */
export type StackJson = Record<string, any>;

/** A homelab app (policy pack included) that writes into a fresh temp folder, stack traces off. */
export function testApp(): DockhostApp {
  return new DockhostApp({ outdir: tempDir("out"), stackTraces: false });
}

/**
 * Full synthesis, as `cdktf synth` does it (validations run, error annotations count), into the
 * app's outdir; returns every stack's JSON by stack name.
 */
export function synthAll(app: App): Record<string, StackJson> {
  app.synth();
  const stacksDir = path.join(app.outdir, "stacks");
  return Object.fromEntries(
    fs.readdirSync(stacksDir).map((name) => [name, JSON.parse(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8"))]),
  );
}

/** One stack's JSON, synthesized through cdktf's test helper. */
export function synthStack(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack));
}

/** Every temp folder of this test process lives under one root, removed when the process exits. */
const TEMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-test-"));
process.on("exit", () => fs.rmSync(TEMP_ROOT, { recursive: true, force: true }));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(TEMP_ROOT, `${prefix}-`));
}

/** A real-looking but throwaway OpenSSH public key (never used to log in anywhere). */
export const TEST_SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHs0bQfvNNF+Q0n8Xz2K0j9ZfV2o1m2vVbq3qX9kY6lP test@dockhost";

/** What a homelab owner passes at plan time to the reference infra stack; TEST-NET placeholders that nothing dials. */
export const REFERENCE_INFRA_VARS = { ssh_public_keys: JSON.stringify([TEST_SSH_KEY]), proxmox_endpoint: "https://192.0.2.2:8006/", ssh_provisioners_enabled: false };

/** Every variable without a default of the reference apps stack (one place, so a new Secret in main.ts is one edit). */
export const REFERENCE_APPS_VARS = {
  domain: "home.example.com",
  acme_email: "admin@example.com",
  app_db_password: "correct-horse-battery-staple",
  grafana_admin_password: "grafana-horse-battery-staple",
  nextcloud_admin_password: "nextcloud-horse-battery",
  nextcloud_db_password: "nextcloud-db-horse-battery",
};
