import { DockhostInputError } from "../../lib/errors";
import { portBindingsOverlap } from "../../lib/compose/port-binding";
import { PortSpec, ServiceSpec, StackSpec } from "../../lib/compose/service";
import { checkService, validateStackSpec } from "../../lib/compose/validate";

const PATH = "homelab/apps/miniflux";

const STACK: StackSpec = {
  services: {
    db: {
      image: "postgres:16.4-alpine",
      volumes: [{ volume: "pgdata", target: "/var/lib/postgresql/data" }],
      healthcheck: {
        test: ["CMD-SHELL", "pg_isready"],
        interval: "10s",
        timeout: "5s",
        startPeriod: "30s",
        retries: 5,
      },
      ports: [{ hostIp: "127.0.0.1", hostPort: 5432, containerPort: 5432 }],
    },
    app: {
      image: "ghcr.io/miniflux/miniflux:2.2.1",
      ports: [{ hostPort: 8080, containerPort: 8080 }],
      volumes: [{ hostPath: "/srv/miniflux", target: "/data", readOnly: true }],
      networks: ["proxy"],
      dependsOn: { db: "service_healthy" },
      restart: { policy: "on-failure", maxRetries: 5 },
      memoryLimitMb: 256,
      cpus: 0.5,
      devices: [{ hostPath: "/dev/dri", permissions: "rw" }],
      tmpfs: ["/tmp"],
      workingDir: "/app",
      extraHosts: { "host.docker.internal": "host-gateway", nas: "192.168.1.20" },
    },
  },
  volumes: { pgdata: { sizeBudgetGb: 5 } },
  networks: { proxy: { external: true } },
};

function withService(name: string, changes: Partial<ServiceSpec>, stack: StackSpec = STACK): StackSpec {
  return { ...stack, services: { ...stack.services, [name]: { ...stack.services[name], ...changes } } };
}

function errorOf(spec: StackSpec): DockhostInputError {
  try {
    validateStackSpec({ path: PATH }, spec);
  } catch (error) {
    if (error instanceof DockhostInputError) return error;
    throw error;
  }
  throw new Error("expected the stack to be refused");
}

/** Asserts the whole first part of the message: path, key and value; and part of what is allowed. */
function expectRefused(spec: StackSpec, key: string, value: string, allowed: string): void {
  const error = errorOf(spec);
  expect(error.path).toBe(PATH);
  expect(error.key).toBe(key);
  expect(error.message).toContain(`${PATH}: invalid ${key} = ${value}; `);
  expect(error.allowed).toContain(allowed);
}

describe("validateStackSpec", () => {
  it("accepts a well-formed stack", () => {
    expect(() => validateStackSpec({ path: PATH }, STACK)).not.toThrow();
  });

  describe("service names", () => {
    it.each(["Web", "my.app", "-web", "web-", "web app", "a".repeat(64), ""])("refuses %j", (name) => {
      const spec = { ...STACK, services: { ...STACK.services, [name]: { image: "nginx" } } };
      expectRefused(spec, `services.${name}`, JSON.stringify(name), "lowercase letters, digits, '-' and '_'");
    });

    it.each(["web", "redis_cache", "node-exporter", "a", "a".repeat(63), "9gag"])("accepts %j", (name) => {
      const spec = { ...STACK, services: { ...STACK.services, [name]: { image: "nginx" } } };
      expect(() => validateStackSpec({ path: PATH }, spec)).not.toThrow();
    });
  });

  it("refuses a malformed image reference", () => {
    expectRefused(
      withService("app", { image: "ghcr.io/Miniflux/miniflux" }),
      "services.app.image",
      '"ghcr.io/Miniflux/miniflux"',
      "must be lowercase",
    );
  });

  describe("ports", () => {
    it.each<[PortSpec, string, string]>([
      [{ hostPort: 70000, containerPort: 5432 }, "services.db.ports[1].hostPort", "70000"],
      [{ hostPort: 0, containerPort: 5432 }, "services.db.ports[1].hostPort", "0"],
      [{ hostPort: 5433, containerPort: 65536 }, "services.db.ports[1].containerPort", "65536"],
      [{ hostPort: 5433, containerPort: 54.5 }, "services.db.ports[1].containerPort", "54.5"],
    ])("refuses %j", (port, key, value) => {
      const spec = withService("db", { ports: [...(STACK.services.db.ports ?? []), port] });
      expectRefused(spec, key, value, "a whole number from 1 to 65535");
    });

    it("refuses a host address that is not an IP address", () => {
      const spec = withService("db", { ports: [{ hostIp: "localhost", hostPort: 5432, containerPort: 5432 }] });
      expectRefused(spec, "services.db.ports[0].hostIp", '"localhost"', "an IPv4 or IPv6 address");
    });

    it("refuses an exposed port outside 1..65535", () => {
      expectRefused(withService("app", { expose: [8080, 0] }), "services.app.expose[1]", "0", "from 1 to 65535");
    });

    it("refuses the same host address, port and protocol twice in the stack", () => {
      const spec = withService("db", { ports: [{ hostPort: 8080, containerPort: 5432 }] });
      expectRefused(
        spec,
        "services.app.ports[0]",
        '"8080:8080"',
        "not already published by services.db.ports[0] (8080:5432)",
      );
    });

    it("counts a port without host address as taking every address", () => {
      const spec = withService("app", { ports: [{ hostPort: 5432, containerPort: 80 }] });
      expectRefused(spec, "services.app.ports[0]", '"5432:80"', "services.db.ports[0] (127.0.0.1:5432:5432)");
    });

    it("refuses a duplicate within one service", () => {
      const port: PortSpec = { hostIp: "::1", hostPort: 9000, containerPort: 9000, protocol: "udp" };
      const spec = withService("app", { ports: [port, { ...port, containerPort: 9001 }] });
      expectRefused(
        spec,
        "services.app.ports[1]",
        '"[::1]:9000:9001/udp"',
        "services.app.ports[0] ([::1]:9000:9000/udp)",
      );
    });

    it("allows one port number for TCP and UDP, on distinct addresses, and ephemeral host ports", () => {
      const spec = withService("app", {
        ports: [
          { hostPort: 53, containerPort: 53 },
          { hostPort: 53, containerPort: 53, protocol: "udp" },
          { hostIp: "127.0.0.1", hostPort: 8081, containerPort: 80 },
          { hostIp: "192.168.1.10", hostPort: 8081, containerPort: 80 },
          { containerPort: 80 },
          { containerPort: 80 },
        ],
      });
      expect(() => validateStackSpec({ path: PATH }, spec)).not.toThrow();
    });
  });

  describe("paths", () => {
    it.each([
      [
        { volumes: [{ volume: "pgdata", target: "data" }] },
        "services.db.volumes[0].target",
        '"data"',
        "an absolute path",
      ],
      [
        { volumes: [{ volume: "pgdata", target: "/var/../etc" }] },
        "services.db.volumes[0].target",
        '"/var/../etc"',
        "without '..'",
      ],
      [
        { volumes: [{ hostPath: "data/db", target: "/data" }] },
        "services.db.volumes[0].hostPath",
        '"data/db"',
        "relative to the stack's folder on the host (./data, ../shared)",
      ],
      [
        { volumes: [{ hostPath: "/srv/../etc", target: "/data" }] },
        "services.db.volumes[0].hostPath",
        '"/srv/../etc"',
        "without '..'",
      ],
      [{ tmpfs: ["/run", "tmp"] }, "services.db.tmpfs[1]", '"tmp"', "an absolute path"],
      [{ workingDir: "app" }, "services.db.workingDir", '"app"', "an absolute path"],
      [{ devices: [{ hostPath: "dev/dri" }] }, "services.db.devices[0].hostPath", '"dev/dri"', "an absolute path"],
      [
        { devices: [{ hostPath: "/dev/dri", containerPath: "dri" }] },
        "services.db.devices[0].containerPath",
        '"dri"',
        "an absolute path",
      ],
    ] as [Partial<ServiceSpec>, string, string, string][])("refuses %j", (changes, key, value, allowed) => {
      expectRefused(withService("db", changes), key, value, allowed);
    });

    it("accepts names that merely contain two dots", () => {
      const spec = withService("db", { volumes: [{ hostPath: "/srv/db..old", target: "/backup..1" }] });
      expect(() => validateStackSpec({ path: PATH }, spec)).not.toThrow();
    });
  });

  it("refuses a named volume the stack does not declare", () => {
    const spec = withService("app", { volumes: [{ volume: "cache", target: "/cache" }] });
    expectRefused(spec, "services.app.volumes[0].volume", '"cache"', "a name declared under volumes: pgdata");
  });

  it("refuses a network the stack does not declare", () => {
    const spec = withService("app", { networks: ["proxy", "backend"] });
    expectRefused(spec, "services.app.networks[1]", '"backend"', "a name declared under networks: proxy");
  });

  describe("dependsOn", () => {
    it("refuses a missing service", () => {
      expectRefused(
        withService("app", { dependsOn: ["db", "cache"] }),
        "services.app.dependsOn",
        '"cache"',
        "a service of this stack: db, app",
      );
    });

    it("reports a cycle as a path", () => {
      expectRefused(
        withService("db", { dependsOn: ["app"] }),
        "services.db.dependsOn",
        '"db -> app -> db"',
        "without a cycle",
      );
    });

    it("reports a longer cycle from where it starts", () => {
      const spec = withService(
        "worker",
        { image: "ghcr.io/miniflux/miniflux:2.2.1", dependsOn: ["app"] },
        withService("db", { dependsOn: ["worker"] }),
      );
      expectRefused(spec, "services.db.dependsOn", '"db -> worker -> app -> db"', "without a cycle");
    });

    it("reports a service that depends on itself", () => {
      expectRefused(
        withService("db", { dependsOn: { db: "service_started" } }),
        "services.db.dependsOn",
        '"db -> db"',
        "without a cycle",
      );
    });

    it("refuses an unknown condition", () => {
      const dependsOn = { db: "service_ready" } as unknown as ServiceSpec["dependsOn"];
      expectRefused(
        withService("app", { dependsOn }),
        "services.app.dependsOn.db",
        '"service_ready"',
        "one of service_started, service_healthy",
      );
    });

    it("accepts a diamond", () => {
      const spec = {
        services: {
          a: { image: "a", dependsOn: ["b", "c"] },
          b: { image: "b", dependsOn: ["d"] },
          c: { image: "c", dependsOn: ["d"] },
          d: { image: "d" },
        },
      };
      expect(() => validateStackSpec({ path: PATH }, spec)).not.toThrow();
    });
  });

  describe("healthcheck", () => {
    const healthcheck = STACK.services.db.healthcheck ?? { test: [] };
    it.each([
      [{ interval: "10" }, "services.db.healthcheck.interval", '"10"', "a duration such as 10s"],
      [{ timeout: "5 seconds" }, "services.db.healthcheck.timeout", '"5 seconds"', "a duration"],
      [{ startPeriod: "1d" }, "services.db.healthcheck.startPeriod", '"1d"', "a duration"],
      [{ retries: -1 }, "services.db.healthcheck.retries", "-1", "a whole number, 0 or more"],
      [{ test: [] }, "services.db.healthcheck.test", "[]", '["CMD", program, ...args]'],
      [{ test: ["CMD"] }, "services.db.healthcheck.test", '["CMD"]', '["CMD-SHELL", script]'],
      [{ test: ["pg_isready"] }, "services.db.healthcheck.test", '["pg_isready"]', '["NONE"]'],
      [{ test: ["NONE", "x"] }, "services.db.healthcheck.test", '["NONE","x"]', '["NONE"]'],
    ])("refuses %j", (changes, key, value, allowed) => {
      expectRefused(withService("db", { healthcheck: { ...healthcheck, ...changes } }), key, value, allowed);
    });
  });

  describe("resources", () => {
    it.each([0, -512, 512.5, 4])("refuses memoryLimitMb %d", (memoryLimitMb) => {
      expectRefused(
        withService("app", { memoryLimitMb }),
        "services.app.memoryLimitMb",
        String(memoryLimitMb),
        "a whole number of MiB, at least 6",
      );
    });

    it.each([0, -1])("refuses cpus %d", (cpus) => {
      expectRefused(withService("app", { cpus }), "services.app.cpus", String(cpus), "greater than 0");
    });

    it("refuses cpus that are not a number", () => {
      expectRefused(withService("app", { cpus: Number.NaN }), "services.app.cpus", "null", "greater than 0");
    });
  });

  it.each([
    [{ restart: { policy: "on-failure", maxRetries: -1 } }, "services.app.restart.maxRetries", "-1", "0 or more"],
    [{ restart: "sometimes" }, "services.app.restart", '"sometimes"', "one of no, always, unless-stopped, on-failure"],
    [{ restart: { policy: "always", maxRetries: 3 } }, "services.app.restart.policy", '"always"', "one of on-failure"],
    [
      { devices: [{ hostPath: "/dev/dri", permissions: "rwx" }] },
      "services.app.devices[0].permissions",
      '"rwx"',
      "letters from rwm",
    ],
    [
      { devices: [{ hostPath: "/dev/dri", permissions: "rr" }] },
      "services.app.devices[0].permissions",
      '"rr"',
      "each once",
    ],
    [{ extraHosts: { nas: "nas.lan" } }, "services.app.extraHosts.nas", '"nas.lan"', "an IP address or host-gateway"],
    [
      { ports: [{ containerPort: 80, protocol: "sctp" }] },
      "services.app.ports[0].protocol",
      '"sctp"',
      "one of tcp, udp",
    ],
  ] as [Partial<ServiceSpec>, string, string, string][])("refuses %j", (changes, key, value, allowed) => {
    expectRefused(withService("app", changes), key, value, allowed);
  });

  it.each([
    [{ ...STACK, volumes: { "bad name": {} } }, "volumes.bad name", '"bad name"', "letters, digits"],
    [{ ...STACK, volumes: { pgdata: { sizeBudgetGb: 0 } } }, "volumes.pgdata.sizeBudgetGb", "0", "GB greater than 0"],
    [{ ...STACK, volumes: { pgdata: { noBackupReason: "a cache" } } }, "volumes.pgdata.noBackupReason", '"a cache"', "only with backup: false"],
    [{ ...STACK, volumes: { pgdata: { backup: false, noBackupReason: " " } } }, "volumes.pgdata.noBackupReason", '" "', "says why"],
    [{ ...STACK, volumes: { pgdata: { external: true, backup: true } } }, "volumes.pgdata.backup", "true", "where the volume is created"],
    [
      { ...STACK, networks: { ...STACK.networks, default: {} } },
      "networks.default",
      '"default"',
      "the stack's own network",
    ],
    [
      { ...STACK, networks: { proxy: { external: true, internal: true } } },
      "networks.proxy.internal",
      "true",
      "not an external one",
    ],
  ] as [StackSpec, string, string, string][])("refuses stack-level %j", (spec, key, value, allowed) => {
    expectRefused(spec, key, value, allowed);
  });

  it("skips values that are not resolved yet", () => {
    const token = "${TfToken[TOKEN.1]}";
    const numberToken = -1.8881545897087626e289;
    const isUnresolved = (value: unknown) => value === token || value === numberToken;
    const spec = withService("app", {
      image: token,
      ports: [{ hostPort: numberToken, containerPort: 80 }],
      memoryLimitMb: numberToken,
    });
    expect(() => validateStackSpec({ path: PATH, isUnresolved }, spec)).not.toThrow();
    expect(() => validateStackSpec({ path: PATH }, spec)).toThrow(DockhostInputError);
  });

  it("checks one service on its own, for constructs that add services later", () => {
    expect(() =>
      checkService({ path: PATH }, "web", { image: "nginx", volumes: [{ volume: "pgdata", target: "/x" }] }, STACK),
    ).not.toThrow();
    expect(() =>
      checkService({ path: PATH }, "web", { image: "nginx", volumes: [{ volume: "www", target: "/x" }] }, STACK),
    ).toThrow(`${PATH}: invalid services.web.volumes[0].volume = "www"`);
  });
});

describe("portBindingsOverlap", () => {
  const port = (hostIp: string | undefined, protocol?: "tcp" | "udp"): PortSpec => ({
    hostIp,
    hostPort: 443,
    containerPort: 443,
    protocol,
  });

  it.each<[PortSpec, PortSpec, boolean]>([
    [port(undefined), port(undefined), true],
    [port(undefined), port("192.168.1.10"), true],
    [port("0.0.0.0"), port("192.168.1.10"), true],
    [port("::"), port("fd00::10"), true],
    [port("::"), port("192.168.1.10"), false],
    [port("0.0.0.0"), port("::1"), false],
    [port("192.168.1.10"), port("192.168.1.11"), false],
    [port(undefined, "tcp"), port(undefined), true],
    [port(undefined, "tcp"), port(undefined, "udp"), false],
    [{ containerPort: 443 }, { containerPort: 443 }, false],
    [port(undefined), { ...port(undefined), hostPort: 444 }, false],
  ])("%j and %j overlap: %s", (a, b, overlap) => {
    expect(portBindingsOverlap(a, b)).toBe(overlap);
    expect(portBindingsOverlap(b, a)).toBe(overlap);
  });
});
