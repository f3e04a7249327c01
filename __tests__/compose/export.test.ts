import { parse } from "yaml";
import { toComposeYaml } from "../../lib/compose/export";
import { parseComposeYaml } from "../../lib/compose/import";
import { StackSpec } from "../../lib/compose/service";
import { COMPOSE_FIXTURES, importComposeFixture } from "../support/compose-fixtures";
import { composeSpecValidator, describeSchemaErrors, dockerComposeConfig, runValidator } from "../support/validators";
import { needs } from "../support/requirements";

const validateComposeSpec = composeSpecValidator();

function expectValidComposeSpec(yaml: string): void {
  const valid = validateComposeSpec(parse(yaml));
  expect(describeSchemaErrors(validateComposeSpec)).toBe("");
  expect(valid).toBe(true);
}

function expectDockerComposeAccepts(yaml: string): void {
  const result = dockerComposeConfig(yaml);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
}

function reimport(yaml: string): StackSpec {
  return parseComposeYaml(yaml, { source: "exported.yml", variables: {} }).spec;
}

/** Values that YAML 1.1 (docker-compose 1.29) or compose interpolation would misread if written naively. */
const TRICKY: StackSpec = {
  services: {
    web: {
      image: "nginx:1.27",
      command: ["sh", "-c", 'echo "$HOME" ${PATH} $$ && exec nginx -g "daemon off;"'],
      environment: {
        FLAG: "yes",
        SWITCH: "on",
        OFF: "no",
        N: "n",
        HEX: "0x1F",
        TIME: "22:22",
        EMPTY: "",
        NULLISH: "null",
        TILDE: "~",
      },
      labels: { "com.example.ports": "80:80", "com.example.octal": "0755" },
      user: "1000:50",
      restart: "no",
      hostname: "true",
      ports: [{ hostIp: "::1", hostPort: 2222, containerPort: 22 }],
      extraHosts: { v6: "::1" },
    },
  },
};

describe("toComposeYaml", () => {
  describe.each(COMPOSE_FIXTURES)("%s", (fixture) => {
    const { spec } = importComposeFixture(fixture);
    const yaml = toComposeYaml(spec);

    it("round-trips: import, export, import gives the same spec", () => {
      expect(reimport(yaml)).toEqual(spec);
    });

    it("follows the Compose Specification JSON schema", () => {
      expectValidComposeSpec(yaml);
    });

    needs("docker-compose").it("passes docker-compose 1.29 config -q", () => {
      expectDockerComposeAccepts(yaml);
    });
  });

  it("writes no version and no name unless asked", () => {
    const yaml = toComposeYaml(importComposeFixture("miniflux.yml").spec);
    expect(Object.keys(parse(yaml) as object)).toEqual(["services", "volumes"]);
  });

  needs("docker-compose").it("writes the name for the current specification, which docker-compose 1.29 rejects", () => {
    const yaml = toComposeYaml(importComposeFixture("miniflux.yml").spec, { name: "miniflux" });
    expect(parse(yaml)).toMatchObject({ name: "miniflux" });
    expectValidComposeSpec(yaml);
    const result = dockerComposeConfig(yaml);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("'name' does not match any of the regexes");
  });

  it("writes each service on the stack network besides its extra networks", () => {
    const yaml = toComposeYaml(importComposeFixture("jellyfin.yml").spec);
    expect(parse(yaml)).toMatchObject({ services: { jellyfin: { networks: ["default", "proxy", "media"] } } });
  });

  it("writes ports in the short syntax, which is the only way 1.29 takes a host address", () => {
    const yaml = toComposeYaml(importComposeFixture("jellyfin.yml").spec);
    expect(parse(yaml)).toMatchObject({
      services: { jellyfin: { ports: ["192.168.1.10:8096:8096/tcp", "7359:7359/udp", "1900:1900/udp"] } },
    });
  });

  it("doubles every $ so that no value is read as a variable", () => {
    const yaml = toComposeYaml(TRICKY);
    expect(parse(yaml)).toMatchObject({
      services: { web: { command: ["sh", "-c", 'echo "$$HOME" $${PATH} $$$$ && exec nginx -g "daemon off;"'] } },
    });
    expect(reimport(yaml)).toEqual(TRICKY);
  });

  needs("docker-compose").it("quotes what YAML 1.1 would misread, so docker-compose 1.29 reads the same values", () => {
    const yaml = toComposeYaml(TRICKY);
    expectValidComposeSpec(yaml);
    // docker-compose prints the file as it understood it, in YAML 1.1 and with `$` doubled again.
    const normalised = dockerComposeConfig(yaml, { quiet: false });
    expect(normalised.stderr).toBe("");
    expect(normalised.code).toBe(0);
    const understood = (
      parse(normalised.stdout, { version: "1.1" }) as { services: Record<string, Record<string, unknown>> }
    ).services.web;
    const web = TRICKY.services.web;
    expect(understood).toMatchObject({
      environment: web.environment,
      labels: web.labels,
      user: web.user,
      restart: web.restart,
      hostname: web.hostname,
      extra_hosts: web.extraHosts,
      ports: ["::1:2222:22/tcp"],
    });
    expect((understood.command as string[]).map((word) => word.replaceAll("$$", "$"))).toEqual(web.command);
  });

  it("writes volume size budgets as an extension key and leaves empty definitions empty", () => {
    const yaml = toComposeYaml(importComposeFixture("gitea.yml").spec);
    expect(parse(yaml)).toMatchObject({
      volumes: { "gitea-data": { "x-dockhost-size-budget-gb": 20 }, "gitea-config": {} },
    });
  });

  it("writes a backup opt-out and its reason as extension keys", () => {
    const yaml = toComposeYaml(importComposeFixture("jellyfin.yml").spec);
    expect(parse(yaml).volumes.cache).toEqual({
      "x-dockhost-size-budget-gb": 10,
      "x-dockhost-backup": false,
      "x-dockhost-no-backup-reason": "cache that Jellyfin rebuilds from the media",
    });
  });

  needs("docker-compose").it("writes memory in MiB with the m suffix, and the other one-string forms", () => {
    const yaml = toComposeYaml({
      services: {
        app: {
          image: "app:1",
          memoryLimitMb: 1536,
          cpus: 1.5,
          restart: { policy: "on-failure", maxRetries: 3 },
          devices: [{ hostPath: "/dev/sda", permissions: "r" }],
          volumes: [{ volume: "data", target: "/data", readOnly: true }],
          dependsOn: { db: "service_completed_successfully" },
        },
        db: { image: "postgres:16" },
      },
      volumes: { data: {} },
    });
    expect(parse(yaml)).toMatchObject({
      services: {
        app: {
          mem_limit: "1536m",
          cpus: 1.5,
          restart: "on-failure:3",
          devices: ["/dev/sda:r"],
          volumes: ["data:/data:ro"],
          depends_on: { db: { condition: "service_completed_successfully" } },
        },
      },
    });
    expectValidComposeSpec(yaml);
    expectDockerComposeAccepts(yaml);
  });
});

describe("the validators themselves", () => {
  it("the compose schema refuses an unknown service key", () => {
    expect(validateComposeSpec({ services: { web: { image: "nginx", bogus: true } } })).toBe(false);
  });

  needs("docker-compose").it("docker-compose refuses an invalid file", () => {
    const result = dockerComposeConfig("services:\n  web:\n    image: nginx\n    bogus: true\n");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("bogus");
  });

  it("runValidator fails loudly when the tool is missing", () => {
    expect(() => runValidator("dockhost-no-such-validator", (file) => [file], "")).toThrow(
      "validator dockhost-no-such-validator is not installed",
    );
  });
});
