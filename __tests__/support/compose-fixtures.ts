/** The realistic compose files under fixtures/compose and the variables they need. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ImportedCompose, parseComposeYaml } from "../../lib/compose/import";

export const COMPOSE_FIXTURE_DIR = resolve(__dirname, "../fixtures/compose");

export const COMPOSE_FIXTURES = ["miniflux.yml", "nextcloud.yml", "jellyfin.yml", "gitea.yml", "monitoring.yml"];

/** Values for every `${VAR}` the fixtures use without a default. */
export const FIXTURE_VARIABLES: Readonly<Record<string, string>> = {
  DB_PASSWORD: "fixture-db-password",
  DB_ROOT_PASSWORD: "fixture-root-password",
  NEXTCLOUD_DOMAIN: "cloud.home.arpa",
  DOMAIN: "home.arpa",
  GITEA_DB_PASSWORD: "fixture-gitea-password",
  RUNNER_TOKEN: "fixture-runner-token",
};

export function readComposeFixture(name: string): string {
  return readFileSync(join(COMPOSE_FIXTURE_DIR, name), "utf8");
}

export function importComposeFixture(name: string): ImportedCompose {
  return parseComposeYaml(readComposeFixture(name), { source: name, variables: FIXTURE_VARIABLES });
}
