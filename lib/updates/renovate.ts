/**
 * The Renovate configuration `dockhost init` writes (renovate.json): a regex custom manager that
 * finds the same image literals as `dockhost updates` (sources.ts) in the repository's TypeScript,
 * and a rule that keeps databases (images.ts) from crossing a major version, as `dockhost updates`
 * does without `--allow-major`. Checked against Renovate 43.8.2's schema (lib/schemas/json).
 */
import { DATABASE_IMAGES } from "../images";

/**
 * Renovate's `matchStrings` entry (RE2 syntax, which JavaScript also reads): `image: "..."` or
 * `X_IMAGE = "..."`, split into depName (registry and port included), currentValue (the tag) and
 * currentDigest (a `@sha256:` pin, which Renovate then keeps pinned).
 */
export const RENOVATE_IMAGE_MATCH =
  '(?:\\bimage\\s*:|_IMAGE\\s*=)\\s*"(?<depName>[^":@\\s]+(?::\\d+/[^":@\\s]+)?):(?<currentValue>[^"@\\s]+)(?:@(?<currentDigest>sha256:[a-f0-9]{64}))?"';

export function renovateConfig(): Record<string, unknown> {
  return {
    $schema: "https://docs.renovatebot.com/renovate-schema.json",
    extends: ["config:recommended"],
    customManagers: [
      {
        customType: "regex",
        description: "Container images named in the homelab's TypeScript (image: \"name:tag@sha256:...\")",
        // Renovate ignores node_modules by default (ignorePaths).
        managerFilePatterns: ["/\\.ts$/"],
        matchStrings: [RENOVATE_IMAGE_MATCH],
        datasourceTemplate: "docker",
      },
    ],
    packageRules: [
      {
        description: "Databases never cross a major version on their own: their data files need a dump and restore",
        matchDatasources: ["docker"],
        matchPackageNames: [...DATABASE_IMAGES, ...DATABASE_IMAGES.filter((name) => !name.includes("/")).map((name) => `library/${name}`)],
        matchUpdateTypes: ["major"],
        enabled: false,
      },
    ],
  };
}
