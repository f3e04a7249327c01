/**
 * What the import maps that the corpus comparison (corpus.test.ts) cannot see from docker-compose's
 * output alone: rewrites for the provider's limits, warnings, profiles, secrets replacing literals.
 */
import { ComposeStack } from "../../constructs/compose-stack";
import { Secret } from "../../constructs/secret";
import { parseComposeYaml } from "../../lib/compose/import";
import { buildReferenceHomelab } from "../../main";
import { Testing } from "cdktf";
import { importComposeFixture } from "../support/compose-fixtures";
import * as fs from "node:fs";
import * as path from "node:path";
import { synthStack, tempDir, testApp } from "../support/synth";

const importYaml = (yaml: string, variables: Record<string, string> = {}) => parseComposeYaml(yaml, { source: "x.yml", variables });
const web = (...lines: string[]) => ["services:", "  web:", "    image: nginx:1.27.3-alpine", ...lines.map((l) => `    ${l}`)].join("\n");

describe("import mappings", () => {
  test("entrypoint: [] with a command runs the same process: the command's first word becomes the entrypoint", () => {
    // kreuzwerker/docker 3.6.2 sends no entrypoint for an empty list (d.GetOk), so [] would keep the image's.
    expect(importYaml(web("entrypoint: []", "command: [/app/server, --port, '80']")).spec.services.web).toMatchObject({ entrypoint: ["/app/server"], command: ["--port", "80"] });
    expect(importYaml(web("entrypoint: []", "command: /app/server")).spec.services.web).toMatchObject({ entrypoint: ["/app/server"] });
    expect(importYaml(web("entrypoint: []", "command: /app/server")).spec.services.web.command).toBeUndefined();
  });

  test("a label the list repeats is warned about; the last value wins, as in compose", () => {
    const imported = importYaml(web("labels:", "  - traefik.enable=true", "  - traefik.enable=false"));
    expect(imported.spec.services.web.labels).toEqual({ "traefik.enable": "false" });
    expect(imported.warnings).toEqual(["compose file x.yml: services.web.labels[1]: traefik.enable is set twice; the last value wins, as in compose"]);
  });

  test("SELinux modes are dropped with a warning (the Debian VM has no SELinux, where Docker ignores them)", () => {
    const imported = importYaml(web("volumes: ['/srv/web:/web:ro,Z']"));
    expect(imported.spec.services.web.volumes).toEqual([{ hostPath: "/srv/web", target: "/web", readOnly: true }]);
    expect(imported.warnings[0]).toContain("services.web.volumes[0]: SELinux mode :Z dropped");
  });

  test("profiles: a service runs only when one of its profiles is active", () => {
    expect(Object.keys(importComposeFixture("wordpress.yml").spec.services)).toEqual(["db", "wordpress"]);
    const withTools = importComposeFixture("wordpress.yml", { profiles: ["tools"] });
    expect(Object.keys(withTools.spec.services)).toEqual(["db", "wordpress", "wpcli"]);
    expect(withTools.spec.services.wpcli).toMatchObject({ volumesFrom: ["wordpress"], user: "33:33", command: ["wp", "core", "version"] });
  });

  test("a network with name: joins the network of that name; a service without default leaves the stack network", () => {
    const yaml = web("networks: [proxy, backend]") + "\nnetworks:\n  proxy:\n    external: true\n    name: traefik_proxy\n  backend:\n    internal: true\n    name: shared-backend";
    const homelab = buildReferenceHomelab(testApp());
    ComposeStack.fromYaml(homelab.apps, "site", yaml, { engine: homelab.engine });
    const json = synthStack(homelab.apps);
    const networks = json.resource.docker_container.site_web.networks_advanced.map((n: any) => n.name);
    expect(networks).toEqual(["traefik_proxy", "${docker_network.site_network_backend.name}"]);
    expect(json.resource.docker_network.site_network_backend).toMatchObject({ name: "shared-backend", internal: true });
  });

  test("the secrets option replaces a literal the secret rule flags, whatever the file calls it", () => {
    const homelab = buildReferenceHomelab(testApp());
    const password = new Secret(homelab.apps, "shop_db_password");
    const url = new Secret(homelab.apps, "shop_database_url");
    const yaml = web("environment:", "  DB_PASSWORD: hunter2", "  DATABASE_URL: postgres://shop:hunter2@db/shop", "  MODE: prod");
    ComposeStack.fromYaml(homelab.apps, "shop", yaml, { engine: homelab.engine, secrets: { web: { DB_PASSWORD_FILE: password, DATABASE_URL: url } } });
    const text = Testing.synth(homelab.apps);
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text).resource.docker_container.shop_web.env).toEqual([
      "DATABASE_URL=${var.shop_database_url}",
      "DB_PASSWORD_FILE=/run/secrets/shop_db_password",
      "MODE=prod",
    ]);
  });

  test("a relative bind resolves under the stack's folder on the host, ~ in the admin user's home; a local file is uploaded", () => {
    const homelab = buildReferenceHomelab(testApp());
    ComposeStack.fromFile(homelab.apps, "kuma", `${__dirname}/../fixtures/compose/loki.yml`, { engine: homelab.engine, stackName: "logs" });
    const c = synthStack(homelab.apps).resource.docker_container.logs_promtail;
    expect(c.volumes).toEqual([{ host_path: "/var/log", container_path: "/var/log", read_only: true }]);
    expect(c.upload).toEqual([expect.objectContaining({ file: "/etc/promtail/config.yml", permissions: "0444" })]);
    expect(c.upload[0].content).toContain("http://loki:3100/loki/api/v1/push");
    const photos = buildReferenceHomelab(testApp());
    ComposeStack.fromFile(photos.apps, "photos", `${__dirname}/../fixtures/compose/photoprism.yml`, { engine: photos.engine, variables: { PHOTOPRISM_ADMIN_PASSWORD: "a", PHOTOPRISM_DB_PASSWORD: "b", PHOTOPRISM_DB_ROOT_PASSWORD: "c" } });
    expect(synthStack(photos.apps).resource.docker_container.photos_photoprism.volumes).toEqual([
      { host_path: "/home/dockhost/Pictures", container_path: "/photoprism/originals" },
      { host_path: "/opt/docker/stacks/photos/storage", container_path: "/photoprism/storage" },
    ]);
  });

  test("build: the provider builds from the context, written relative to the stack's folder; a change in it rebuilds", () => {
    const homelab = buildReferenceHomelab(testApp());
    ComposeStack.fromFile(homelab.apps, "social", `${__dirname}/../fixtures/compose/mastodon.yml`, { engine: homelab.engine });
    const json = synthStack(homelab.apps);
    const image = json.resource.docker_image.social_build_web;
    expect(image.name).toBe("ghcr.io/mastodon/mastodon:v4.3.2");
    expect(image.build.context).toMatch(/^\$\{path\.module\}\/(\.\.\/)+.*__tests__\/fixtures\/compose\/mastodon-build$/);
    expect(image.triggers.context).toMatch(/^\$\{sha1\(join\("", \[for f in fileset\(/);
    expect(json.resource.docker_container.social_web.image).toBe("${docker_image.social_build_web.image_id}");
    // sidekiq names the built image: it runs it, as with compose, rather than pulling the tag over it.
    expect(json.resource.docker_container.social_sidekiq.image).toBe("${docker_image.social_build_web.image_id}");
    expect(Object.values<any>(json.resource.docker_image).filter((i) => i.name === "ghcr.io/mastodon/mastodon:v4.3.2")).toHaveLength(1);
  });

  test("fromFile reads .env beside the file for variables, as compose does; variables given in code win", () => {
    const dir = tempDir("dotenv");
    fs.writeFileSync(path.join(dir, "docker-compose.yml"), web("environment:", "  SITE: https://${DOMAIN}", "  MODE: ${MODE:-dev}"));
    fs.writeFileSync(path.join(dir, ".env"), "DOMAIN=from-dotenv.home.arpa\nMODE=prod\n");
    const homelab = buildReferenceHomelab(testApp());
    ComposeStack.fromFile(homelab.apps, "site", path.join(dir, "docker-compose.yml"), { engine: homelab.engine, variables: { MODE: "staging" } });
    expect(synthStack(homelab.apps).resource.docker_container.site_web.env).toEqual(["MODE=staging", "SITE=https://from-dotenv.home.arpa"]);
  });
});
