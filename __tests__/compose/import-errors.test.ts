import { DockhostInputError } from "../../lib/errors";
import { parseComposeYaml } from "../../lib/compose/import";

const SOURCE = "apps/web.yml";
const PATH = `compose file ${SOURCE}`;
const UNSUPPORTED = "not supported by Dockhost's compose model";

function importYaml(yaml: string, variables: Record<string, string> = {}) {
  return parseComposeYaml(yaml, { source: SOURCE, variables });
}

/** A compose file with one service `web`, given the lines of that service after its image. */
function webService(...lines: string[]): string {
  return ["services:", "  web:", "    image: nginx:1.27", ...lines.map((line) => `    ${line}`)].join("\n");
}

function errorOf(yaml: string, variables: Record<string, string> = {}): DockhostInputError {
  try {
    importYaml(yaml, variables);
  } catch (error) {
    if (error instanceof DockhostInputError) return error;
    throw error;
  }
  throw new Error("expected the file to be refused");
}

describe("parseComposeYaml refuses what the model cannot represent", () => {
  it("names the file, the key path, the value and what to do instead", () => {
    expect(errorOf(webService("build:", "  context: https://github.com/owner/app.git")).message).toBe(
      `${PATH}: invalid services.web.build.context = "https://github.com/owner/app.git"; a local folder (the Docker provider sends a local context; clone the repository beside the compose file)`,
    );
  });

  it.each([
    ["services.web.env_file", webService("env_file: .env"), "an env_file read from a compose file on disk"],
    ["services.web.build", webService("build: ./app"), "an absolute folder, or a compose file read from disk"],
    ["services.web.secrets", webService("secrets: [db_password]"), "secrets option"],
    ["services.web.network_mode", webService("network_mode: bridge"), "the stack network"],
    ["services.web.pid", webService("pid: container:other"), '"host"'],
    ["services.web.cgroup", webService("cgroup: host"), "remove it, or extend lib/compose/service.ts"],
    ["services.web.x-traefik", webService("x-traefik: {}"), UNSUPPORTED],
    [
      "services.web.ports[0].app_protocol",
      webService("ports:", "  - target: 80", "    app_protocol: http"),
      UNSUPPORTED,
    ],
    ["services.web.ports[0].name", webService("ports:", "  - target: 80", "    name: web"), "name the port in a label"],
    [
      "services.web.ports[0].mode",
      webService("ports:", "  - target: 80", "    mode: ingress"),
      "host (ingress load balancing needs Swarm)",
    ],
    [
      "services.web.volumes[0].bind.propagation",
      webService(
        "volumes:",
        "  - type: bind",
        "    source: /srv/web",
        "    target: /web",
        "    bind:",
        "      propagation: rslave",
      ),
      UNSUPPORTED,
    ],
    [
      "services.web.volumes[0].type",
      webService("volumes:", "  - type: npipe", "    source: x", "    target: /cache"),
      "a mount of type volume, bind or tmpfs",
    ],
    ["services.web.volumes[0]", webService("volumes:", "  - /data"), "anonymous volumes are not supported"],
    [
      "services.web.volumes[0]",
      webService("volumes:", "  - type: volume", "    target: /data"),
      "anonymous volumes are not supported",
    ],
    ["services.web.volumes[0]", webService("volumes:", "  - /srv/web:/web:nocopy"), "nocopy is not supported"],
    [
      "services.web.healthcheck.start_interval",
      webService("healthcheck:", "  test: [CMD-SHELL, 'exit 0']", "  start_interval: 1s"),
      UNSUPPORTED,
    ],
    [
      "services.web.healthcheck",
      webService("healthcheck:", "  interval: 10s"),
      "the Docker provider requires test",
    ],
    [
      "services.web.healthcheck.disable",
      webService("healthcheck:", "  disable: true", "  test: [CMD-SHELL, 'exit 0']"),
      "disable alone",
    ],
    ["services.web.deploy.replicas", webService("deploy:", "  replicas: 2"), UNSUPPORTED],
    [
      "services.web.deploy.resources.reservations",
      webService("deploy:", "  resources:", "    reservations:", "      memory: 64m"),
      "the model has limits only",
    ],
    [
      "services.web.deploy.resources.limits.pids",
      webService("deploy:", "  resources:", "    limits:", "      pids: 100"),
      UNSUPPORTED,
    ],
    [
      "services.web.depends_on.db.restart",
      webService("depends_on:", "  db:", "    condition: service_healthy", "    restart: true"),
      UNSUPPORTED,
    ],
    [
      "services.web.depends_on.db.condition",
      webService("depends_on:", "  db:", "    condition: service_ready"),
      "one of service_started",
    ],
    [
      "services.web.networks.default.ipv4_address",
      webService("networks:", "  default:", "    ipv4_address: 172.30.0.5"),
      "let Docker assign addresses",
    ],
    ["services.web.entrypoint", webService("entrypoint: []"), "with entrypoint: [], a command"],
    ["services.web.ports[0]", webService("ports: ['8000-8010:8000-8010']"), "ranges are not supported"],
    ["services.web.expose[0]", webService("expose: ['53/udp']"), "a TCP port number"],
    ["services.web.tmpfs[0]", webService("tmpfs: ['run:size=64m']"), "an absolute path"],
    ["services.web.shm_size", webService("shm_size: 1.5k"), "a whole number of MiB"],
    ["services.web.stopGracePeriod", webService("stop_grace_period: soon"), "a duration"],
    ["services.web.volumesFrom[0]", webService("volumes_from: [ghost]"), "a service of this stack"],
    ["services.web.depends_on", webService("depends_on: [tool]") + "\n  tool:\n    image: alpine:3.20\n    profiles: [debug]", "needs profile debug (pass it in profiles)"],
    ["services.web.command", webService('command: "sh -c \'echo"'), "quotes are closed"],
    ["services.web.restart", webService("restart: sometimes"), "a restart policy"],
    ["services.web.read_only", webService("read_only: yes"), "true or false"],
    ["services.web.cpus", webService("cpus: lots"), "a number"],
    [
      "services.web.logging.options.max-size",
      webService("logging:", "  driver: json-file", "  options:", "    max-size:"),
      "a value for the option",
    ],
    ["services.web.extra_hosts[0]", webService("extra_hosts: ['nas']"), "host:address"],
    ["services.web.image", "services:\n  web:\n    command: [nginx]", "an image reference"],
    ["secrets", "secrets:\n  db_password:\n    file: ./db_password.txt\n" + webService(), "secrets option"],
    ["configs", "configs:\n  nginx:\n    file: ./nginx.conf\n" + webService(), "bind mount"],
    ["include", "include: [other.yml]\n" + webService(), "import each file on its own"],
    [
      "volumes.data.driver_opts",
      webService() + "\nvolumes:\n  data:\n    driver_opts:\n      type: nfs",
      "bind-mount them",
    ],
    ["volumes.data.driver", webService() + "\nvolumes:\n  data:\n    driver: rclone", "only the default driver, local"],
    [
      "volumes.data.external",
      webService() + "\nvolumes:\n  data:\n    external:\n      name: other",
      "external: true and the existing name as the key",
    ],
    [
      "networks.lan.driver",
      webService() + "\nnetworks:\n  lan:\n    driver: macvlan",
      "only the default driver, bridge",
    ],
    ["networks.lan.ipam", webService() + "\nnetworks:\n  lan:\n    ipam: {}", UNSUPPORTED],
    ["name", webService() + "\nname: My App", "a project name"],
  ])("refuses %s", (key, yaml, allowed) => {
    const error = errorOf(yaml);
    expect(error.path).toBe(PATH);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`${PATH}: invalid ${key} = `);
    expect(error.allowed).toContain(allowed);
  });

  it("refuses both memory limits when they differ", () => {
    const yaml = webService("mem_limit: 512m", "deploy:", "  resources:", "    limits:", "      memory: 1g");
    expect(errorOf(yaml).message).toBe(
      `${PATH}: invalid services.web.deploy.resources.limits.memory = "1g"; the same limit as mem_limit`,
    );
  });

  it("refuses a memory size it cannot read", () => {
    expect(errorOf(webService("mem_limit: lots")).message).toBe(
      `${PATH}: invalid services.web.mem_limit = "lots"; a memory size such as 512m, 1g, 1.5gb or a number of bytes`,
    );
  });
});

describe("parseComposeYaml interpolation", () => {
  it("names the missing variable and where it is used", () => {
    const yaml = webService("environment:", "  - TZ=Europe/Paris", "  - DB_URL=postgres://web:${DB_PASSWORD}@db/web");
    expect(errorOf(yaml).message).toBe(
      `${PATH}: invalid services.web.environment[1] = "DB_URL=postgres://web:\${DB_PASSWORD}@db/web"; ` +
        "variable DB_PASSWORD is not set; pass it in variables or give a default: ${DB_PASSWORD:-default}",
    );
  });

  it("reports the message of ${VAR:?message}", () => {
    const error = errorOf("services:\n  web:\n    image: ${REGISTRY:?set REGISTRY to your registry host}/web:1");
    expect(error.key).toBe("services.web.image");
    expect(error.allowed).toBe("variable REGISTRY is required: set REGISTRY to your registry host");
  });

  it("shows the file's text, never a variable's value, in messages", () => {
    const error = errorOf(webService("build:", "  args:", "    PASSWORD: ${DB_PASSWORD}"), { DB_PASSWORD: "hunter2" });
    expect(error.message).toContain("${DB_PASSWORD}");
    expect(error.message).not.toContain("hunter2");
  });

  it("interpolates numbers and booleans before reading them", () => {
    const yaml = webService(
      "ports: ['${PORT}:80']",
      "read_only: ${READ_ONLY}",
      "cpus: ${CPUS:-0.25}",
      "mem_limit: ${MEMORY}",
    );
    const web = importYaml(yaml, { PORT: "8081", READ_ONLY: "true", MEMORY: "1g" }).spec.services.web;
    expect(web).toMatchObject({
      ports: [{ hostPort: 8081, containerPort: 80 }],
      readOnly: true,
      cpus: 0.25,
      memoryLimitMb: 1024,
    });
  });

  it("never reads the process environment", () => {
    process.env.DOCKHOST_IMPORT_TEST = "from-env";
    try {
      expect(errorOf(webService("hostname: ${DOCKHOST_IMPORT_TEST}")).allowed).toContain(
        "variable DOCKHOST_IMPORT_TEST is not set",
      );
    } finally {
      delete process.env.DOCKHOST_IMPORT_TEST;
    }
  });

  it.each([
    [webService("environment:", "  - TZ", "  - LANG=C"), "services.web.environment[0]"],
    [webService("environment:", "  TZ:", "  LANG: C"), "services.web.environment.TZ"],
  ])("takes a variable without a value (%#) from the variables, as compose takes it from its shell", (yaml, key) => {
    expect(importYaml(yaml, { TZ: "Europe/Paris" }).spec.services.web.environment).toEqual({ TZ: "Europe/Paris", LANG: "C" });
    // Not given: left unset, as compose on the VM would, with a warning naming the key.
    const imported = importYaml(yaml);
    expect(imported.spec.services.web.environment).toEqual({ LANG: "C" });
    expect(imported.warnings).toEqual([`${PATH}: ${key}: TZ has no value and no variable of that name was given: left unset, as compose on the VM would`]);
  });
});

describe("parseComposeYaml checks the stack it read", () => {
  it.each([
    ["services.web.ports[0].hostPort", webService("ports: ['70000:80']"), "70000"],
    ["services.web.volumes[0].volume", webService("volumes: ['html:/usr/share/nginx/html']"), '"html"'],
    ["services.web.dependsOn", webService("depends_on: [db]"), '"db"'],
    [
      "services.web.healthcheck.interval",
      webService("healthcheck:", "  test: [CMD-SHELL, 'exit 0']", "  interval: 10"),
      '"10"',
    ],
    ["services.web.image", "services:\n  web:\n    image: NGINX", '"NGINX"'],
    ["services.Web", "services:\n  Web:\n    image: nginx", '"Web"'],
    ["services.web.memoryLimitMb", webService("mem_limit: 100k"), "0.09765625"],
  ])("refuses %s", (key, yaml, value) => {
    expect(errorOf(yaml).message).toContain(`${PATH}: invalid ${key} = ${value}; `);
  });
});

describe("parseComposeYaml reads the document itself", () => {
  it.each([
    ["services: [", "(YAML)"],
    ["services:\n  web:\n    image: a\n    image: b", "(YAML)"],
    ["- just\n- a list", "(document)"],
    ["version: '3.8'", "services"],
    ["services: []", "services"],
  ])("refuses %j at %s", (yaml, key) => {
    expect(errorOf(yaml).key).toBe(key);
  });

  it("ignores version and top-level x- keys, and resolves anchors used elsewhere", () => {
    const yaml = [
      "version: '3.8'",
      "x-defaults: &defaults",
      "  restart: unless-stopped",
      "  read_only: true",
      "services:",
      "  web:",
      "    <<: *defaults",
      "    image: nginx:1.27",
    ].join("\n");
    expect(importYaml(yaml).spec).toEqual({
      services: { web: { image: "nginx:1.27", restart: "unless-stopped", readOnly: true } },
    });
  });

  it("reads healthcheck.disable as the NONE test", () => {
    const web = importYaml(webService("healthcheck:", "  disable: true")).spec.services.web;
    expect(web.healthcheck).toEqual({ test: ["NONE"] });
  });

  it("reads long-syntax devices, extra_hosts lists and labels lists", () => {
    const web = importYaml(
      webService(
        "devices:",
        "  - source: /dev/ttyUSB0",
        "    target: /dev/zigbee",
        "    permissions: rw",
        "extra_hosts: ['nas=192.168.1.20', 'v6host:fd00::20']",
        "labels: ['com.example.team=media', 'com.example.flag']",
        "environment: {DEBUG: false, WORKERS: 4}",
      ),
    ).spec.services.web;
    expect(web.devices).toEqual([{ hostPath: "/dev/ttyUSB0", containerPath: "/dev/zigbee", permissions: "rw" }]);
    expect(web.extraHosts).toEqual({ nas: "192.168.1.20", v6host: "fd00::20" });
    expect(web.labels).toEqual({ "com.example.team": "media", "com.example.flag": "" });
    expect(web.environment).toEqual({ DEBUG: "false", WORKERS: "4" });
  });
});

describe("parseComposeYaml fails fast on hostile YAML, naming the file", () => {
  const failsFast = (yaml: string, key: string, allowed: string) => {
    const started = Date.now();
    const error = errorOf(yaml);
    expect(error.message.startsWith(`${PATH}: invalid ${key} = `)).toBe(true);
    expect(error.allowed).toContain(allowed);
    // Never the file's content: the message stays short whatever the input.
    expect(error.message.length).toBeLessThan(300);
    expect(Date.now() - started).toBeLessThan(5000);
  };

  it("refuses alias bombs (billion laughs) before expanding them", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    failsFast(`x-bomb:\n${levels.map((l) => `  ${l}`).join("\n")}\nservices:\n  web:\n    image: nginx:1.27\n`, "(YAML)", "alias expansions");
  });

  it("refuses deep nesting, block or flow", () => {
    // yaml's parser itself gives up on very deep flow collections: a YAML error, without the line.
    failsFast(`x-deep: ${"[".repeat(5000)}${"]".repeat(5000)}\nservices: {}\n`, "(YAML)", "valid YAML");
    failsFast(`x-deep: ${"[".repeat(100)}${"]".repeat(100)}\nservices: {}\n`, "(YAML)", "nesting at most 64 levels");
    const block = Array.from({ length: 100 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n");
    failsFast(`${block} 1\n`, "(YAML)", "nesting at most 64 levels");
  });

  it("refuses a file over the size cap without parsing it", () => {
    failsFast(`services: {}\n#${"x".repeat(17 * 1024 * 1024)}\n`, "(file)", "at most 16777216 bytes");
  });

  it("refuses a repeated key and names its line, not its value", () => {
    const error = errorOf("services:\n  web:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: hunter2-first\n      DB_PASSWORD: hunter2-second\n");
    expect(error.message).toBe(`${PATH}: invalid (YAML) = "line 6, column 7"; each key once per mapping (this one is repeated)`);
    expect(error.message).not.toContain("hunter2");
  });

  it("reads a mapping of 20,000 keys in linear time (yaml's own duplicate check was quadratic)", () => {
    const environment = Array.from({ length: 20000 }, (_, i) => `      V${i}: "${i}"`);
    const spec = importYaml(["services:", "  web:", "    image: nginx:1.27", "    environment:", ...environment].join("\n")).spec;
    expect(Object.keys(spec.services.web.environment ?? {})).toHaveLength(20000);
  });
});
