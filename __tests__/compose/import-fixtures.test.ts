import { parse } from "yaml";
import { parseComposeYaml } from "../../lib/compose/import";
import {
  COMPOSE_FIXTURES,
  FIXTURE_VARIABLES,
  importComposeFixture,
  readComposeFixture,
} from "../support/compose-fixtures";
import { composeSpecValidator, describeSchemaErrors } from "../support/validators";

describe("the compose fixtures", () => {
  const validate = composeSpecValidator();

  // The fixtures are written for current Compose (top-level name, host_ip in long port syntax);
  // docker-compose 1.29 checks only what toComposeYaml writes (see export.test.ts).
  it.each(COMPOSE_FIXTURES)("%s follows the Compose Specification", (name) => {
    const valid = validate(parse(readComposeFixture(name), { merge: true }));
    expect(describeSchemaErrors(validate)).toBe("");
    expect(valid).toBe(true);
  });
});

describe("parseComposeYaml on the fixtures", () => {
  it("miniflux: healthcheck, service_healthy dependency, both resource-limit syntaxes", () => {
    const { name, spec } = importComposeFixture("miniflux.yml");
    expect(name).toBe("miniflux");
    const { db, app } = spec.services;
    expect(db.environment).toEqual({
      POSTGRES_USER: "miniflux",
      POSTGRES_DB: "miniflux",
      POSTGRES_PASSWORD: FIXTURE_VARIABLES.DB_PASSWORD,
    });
    expect(db.volumes).toEqual([{ volume: "pgdata", target: "/var/lib/postgresql/data" }]);
    // `$$` in the file is a literal `$`, left for the container's shell.
    expect(db.healthcheck).toEqual({
      test: ["CMD-SHELL", "pg_isready -U ${POSTGRES_USER} -d ${POSTGRES_DB}"],
      interval: "10s",
      timeout: "5s",
      startPeriod: "30s",
      retries: 5,
    });
    expect(db.restart).toBe("unless-stopped");
    expect(db.memoryLimitMb).toBe(512);
    expect(app.dependsOn).toEqual({ db: "service_healthy" });
    expect(app.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 8080 }]);
    expect(app.environment).toEqual({
      DATABASE_URL: `postgres://miniflux:${FIXTURE_VARIABLES.DB_PASSWORD}@db/miniflux?sslmode=disable`,
      RUN_MIGRATIONS: "1",
      BASE_URL: "https://rss.home.arpa/",
    });
    expect(app.healthcheck).toEqual({ test: ["CMD", "/usr/bin/miniflux", "-healthcheck", "auto"] });
    expect(app.restart).toEqual({ policy: "on-failure", maxRetries: 5 });
    expect(app.memoryLimitMb).toBe(256);
    expect(app.cpus).toBe(0.5);
    expect(spec.volumes).toEqual({ pgdata: { sizeBudgetGb: 5 } });
    expect(spec.networks).toBeUndefined();
  });

  it("nextcloud: bind mounts, interpolation with defaults, string commands, extra network", () => {
    const { name, spec } = importComposeFixture("nextcloud.yml");
    expect(name).toBeUndefined();
    expect(Object.keys(spec.services)).toEqual(["db", "redis", "app", "cron"]);
    const { db, redis, app, cron } = spec.services;
    expect(db.command).toEqual(["--transaction-isolation=READ-COMMITTED", "--log-bin=binlog", "--binlog-format=ROW"]);
    expect(db.environment?.MYSQL_ROOT_PASSWORD).toBe(FIXTURE_VARIABLES.DB_ROOT_PASSWORD);
    expect(db.volumes).toEqual([{ hostPath: "/srv/nextcloud/db", target: "/var/lib/mysql" }]);
    expect(redis.command).toEqual(["redis-server", "--save", "", "--appendonly", "no"]);
    expect(app.dependsOn).toEqual(["db", "redis"]);
    expect(app.volumes).toEqual([
      { hostPath: "/srv/nextcloud/html", target: "/var/www/html" },
      { hostPath: "/srv/nextcloud/data", target: "/var/www/html/data" },
      { hostPath: "/mnt/media", target: "/media", readOnly: true },
    ]);
    expect(app.environment?.NEXTCLOUD_TRUSTED_DOMAINS).toBe("cloud.home.arpa");
    expect(app.expose).toEqual([80]);
    expect(app.networks).toEqual(["proxy"]);
    expect(app.labels).toEqual({
      "traefik.enable": "true",
      "traefik.http.routers.nextcloud.rule": "Host(`cloud.home.arpa`)",
      "traefik.http.services.nextcloud.loadbalancer.server.port": "80",
    });
    expect(cron.entrypoint).toEqual(["/cron.sh"]);
    expect(cron.dependsOn).toEqual({ app: "service_started" });
    expect(spec.networks).toEqual({ proxy: { external: true } });
    expect(spec.volumes).toBeUndefined();
  });

  it("nextcloud: a variable overrides a default", () => {
    const { spec } = parseComposeYaml(readComposeFixture("nextcloud.yml"), {
      source: "nextcloud.yml",
      variables: { ...FIXTURE_VARIABLES, MEDIA_ROOT: "/tank/media" },
    });
    expect(spec.services.app.volumes?.[2]).toEqual({ hostPath: "/tank/media", target: "/media", readOnly: true });
  });

  it("jellyfin: /dev/dri, UDP ports, long port syntax with host_ip, several networks", () => {
    const { spec } = importComposeFixture("jellyfin.yml");
    const { jellyfin, jellyseerr } = spec.services;
    expect(jellyfin.devices).toEqual([{ hostPath: "/dev/dri", containerPath: "/dev/dri", permissions: "rwm" }]);
    expect(jellyfin.ports).toEqual([
      { hostIp: "192.168.1.10", hostPort: 8096, containerPort: 8096, protocol: "tcp" },
      { hostPort: 7359, containerPort: 7359, protocol: "udp" },
      { hostPort: 1900, containerPort: 1900, protocol: "udp" },
    ]);
    expect(jellyfin.user).toBe("1000:1000");
    expect(jellyfin.tmpfs).toEqual(["/transcode"]);
    expect(jellyfin.networks).toEqual(["proxy", "media"]);
    expect(jellyfin.extraHosts).toEqual({ "host.docker.internal": "host-gateway" });
    expect(jellyfin.environment).toEqual({ JELLYFIN_PublishedServerUrl: "https://jellyfin.home.arpa" });
    expect(jellyfin.healthcheck).toEqual({
      test: ["CMD-SHELL", "curl -fsS http://localhost:8096/health || exit 1"],
      interval: "1m",
      timeout: "10s",
      retries: 3,
    });
    expect(jellyfin.restart).toEqual({ policy: "on-failure", maxRetries: 5 });
    expect(jellyfin.volumes).toContainEqual({ hostPath: "/srv/media", target: "/media", readOnly: true });
    expect(jellyseerr.networks).toEqual(["media", "proxy"]);
    expect(jellyseerr.ports).toEqual([{ hostPort: 5055, containerPort: 5055 }]);
    expect(spec.networks).toEqual({ proxy: { external: true }, media: { internal: true } });
    expect(spec.volumes).toEqual({
      config: { sizeBudgetGb: 2 },
      cache: { sizeBudgetGb: 10, backup: false, noBackupReason: "cache that Jellyfin rebuilds from the media" },
    });
  });

  it("gitea: digest-pinned image, socket proxy, runner waiting on two services", () => {
    const { name, spec } = importComposeFixture("gitea.yml");
    expect(name).toBe("forge");
    const { gitea, db, runner } = spec.services;
    const proxy = spec.services["docker-proxy"];
    expect(gitea.ports).toEqual([
      { hostPort: 2222, containerPort: 2222 },
      { hostPort: 3000, containerPort: 3000 },
    ]);
    expect(gitea.environment?.GITEA__server__SSH_PORT).toBe("2222");
    expect(gitea.environment?.GITEA__database__PASSWD).toBe(FIXTURE_VARIABLES.GITEA_DB_PASSWORD);
    expect(gitea.restart).toBe("always");
    expect(db.image).toBe("postgres:16.4@sha256:5620f242bbc0e17478556102327e7efcf60ab48de3607c9e0ea98800841785ec");
    expect(db.healthcheck?.test).toEqual(["CMD", "pg_isready", "-U", "gitea"]);
    expect(proxy.volumes).toEqual([
      { hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
    ]);
    expect(proxy.expose).toEqual([2375]);
    expect(proxy.readOnly).toBe(true);
    expect(proxy.environment).toEqual({ CONTAINERS: "1", IMAGES: "1", NETWORKS: "1", VOLUMES: "1", POST: "1" });
    expect(runner.dependsOn).toEqual({ gitea: "service_started", "docker-proxy": "service_started" });
    expect(runner.environment?.DOCKER_HOST).toBe("tcp://docker-proxy:2375");
    expect(spec.volumes).toEqual({
      "gitea-data": { sizeBudgetGb: 20 },
      "gitea-config": {},
      "gitea-db": { sizeBudgetGb: 5 },
      "runner-data": {},
    });
  });

  it("monitoring: x- anchors merged, read_only, cap_drop, tmpfs, logging, memory units", () => {
    const { spec } = importComposeFixture("monitoring.yml");
    const { prometheus, cadvisor, grafana } = spec.services;
    const exporter = spec.services["node-exporter"];
    const logging = { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } };
    for (const service of [prometheus, exporter, grafana]) {
      expect(service).toMatchObject({
        readOnly: true,
        capDrop: ["ALL"],
        securityOpt: ["no-new-privileges:true"],
        logging,
      });
    }
    expect(prometheus.command).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=15d",
    ]);
    expect(prometheus.user).toBe("65534:65534");
    expect(prometheus.memoryLimitMb).toBe(1536);
    expect(prometheus.cpus).toBe(1);
    expect(exporter.volumes).toEqual([{ hostPath: "/", target: "/host", readOnly: true }]);
    expect(exporter.expose).toEqual([9100]);
    expect(cadvisor.devices).toEqual([{ hostPath: "/dev/kmsg" }]);
    expect(cadvisor.expose).toEqual([8080]);
    expect(cadvisor.memoryLimitMb).toBe(256);
    expect(cadvisor.readOnly).toBeUndefined();
    expect(grafana.tmpfs).toEqual(["/tmp"]);
    expect(grafana.workingDir).toBe("/usr/share/grafana");
    expect(grafana.hostname).toBe("grafana");
    expect(grafana.healthcheck?.startPeriod).toBe("20s");
    expect(grafana.dependsOn).toEqual(["prometheus"]);
    expect(grafana.environment?.GF_AUTH_ANONYMOUS_ENABLED).toBe("false");
    expect(spec.volumes).toEqual({ "prometheus-data": { sizeBudgetGb: 10 }, "grafana-data": {} });
  });
});
