/** The realistic compose files under fixtures/compose and the variables they need. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ImportedCompose, parseComposeYaml } from "../../lib/compose/import";

export const COMPOSE_FIXTURE_DIR = resolve(__dirname, "../fixtures/compose");

/** The first five are our own stacks; the rest are modelled on what well-known projects publish (each names its model). */
export const COMPOSE_FIXTURES = [
  "miniflux.yml",
  "nextcloud.yml",
  "jellyfin.yml",
  "gitea.yml",
  "monitoring.yml",
  "immich.yml",
  "paperless.yml",
  "vaultwarden.yml",
  "authentik.yml",
  "uptime-kuma.yml",
  "plausible.yml",
  "outline.yml",
  "mealie.yml",
  "photoprism.yml",
  "n8n.yml",
  "loki.yml",
  "mastodon.yml",
  "wordpress.yml",
  "pihole.yml",
  "adguard.yml",
  "nginx-proxy-manager.yml",
  "syncthing.yml",
  "home-assistant.yml",
  "frigate.yml",
];

/** Values for every `${VAR}` the fixtures use without a default. */
export const FIXTURE_VARIABLES: Readonly<Record<string, string>> = {
  DB_PASSWORD: "fixture-db-password",
  DB_ROOT_PASSWORD: "fixture-root-password",
  NEXTCLOUD_DOMAIN: "cloud.home.arpa",
  DOMAIN: "home.arpa",
  GITEA_DB_PASSWORD: "fixture-gitea-password",
  RUNNER_TOKEN: "fixture-runner-token",
  PAPERLESS_DB_PASSWORD: "fixture-paperless-password",
  VAULTWARDEN_ADMIN_TOKEN: "fixture-vaultwarden-admin-token",
  PG_PASS: "fixture-authentik-password",
  PLAUSIBLE_DB_PASSWORD: "fixture-plausible-password",
  OUTLINE_DB_PASSWORD: "fixture-outline-password",
  TZ: "Europe/Paris",
  PHOTOPRISM_ADMIN_PASSWORD: "fixture-photoprism-admin",
  PHOTOPRISM_DB_PASSWORD: "fixture-photoprism-db",
  PHOTOPRISM_DB_ROOT_PASSWORD: "fixture-photoprism-root",
  POSTGRES_PASSWORD: "fixture-n8n-root-password",
  POSTGRES_NON_ROOT_PASSWORD: "fixture-n8n-password",
  WORDPRESS_DB_ROOT_PASSWORD: "fixture-wordpress-root",
  WORDPRESS_DB_PASSWORD: "fixture-wordpress-password",
  PIHOLE_WEBPASSWORD: "fixture-pihole-password",
  NPM_DB_PASSWORD: "fixture-npm-password",
  NPM_DB_ROOT_PASSWORD: "fixture-npm-root-password",
  FRIGATE_RTSP_PASSWORD: "fixture-frigate-password",
};

export function readComposeFixture(name: string): string {
  return readFileSync(join(COMPOSE_FIXTURE_DIR, name), "utf8");
}

export function importComposeFixture(name: string, options: { readonly profiles?: readonly string[] } = {}): ImportedCompose {
  return parseComposeYaml(readComposeFixture(name), { source: name, variables: FIXTURE_VARIABLES, baseDir: COMPOSE_FIXTURE_DIR, ...options });
}
