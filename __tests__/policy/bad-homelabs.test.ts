import * as fs from "fs";
import * as path from "path";
import { ComposeServiceProps, ComposeStack } from "../../constructs/compose-stack";
import { PolicyError } from "../../constructs/dockhost-app";
import { ReverseProxy } from "../../constructs/reverse-proxy";
import { suppress } from "../../lib/policy/suppressions";
import { REPORT_FILES } from "../../lib/policy/report";
import { anyStackWritten, GOOD, labWith } from "./lab";

type Lab = ReturnType<typeof labWith>;
const SECRET = "s3cr3t-do-not-print";

/** [name, how to break the homelab, rule id, construct path, key] */
const BAD_HOMELABS: Array<[string, (lab: Lab) => void, string, string, string]> = [];
const svc = (name: string, spec: ComposeServiceProps, rule: string, key: string) =>
  BAD_HOMELABS.push([name, (lab) => lab.test.addService("svc", spec), rule, "dockhost-apps/test/service-svc", key]);

svc("privileged container", { ...GOOD, privileged: true }, "DH-PRIVILEGED", "privileged");
svc("docker.sock mounted read-only", { ...GOOD, volumes: [{ hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }] }, "DH-DOCKER-SOCKET", "volumes[0]");
svc("docker.sock under /run", { ...GOOD, volumes: [{ hostPath: "/run/docker.sock", target: "/docker.sock" }] }, "DH-DOCKER-SOCKET", "volumes[0]");
svc("containerd's socket", { ...GOOD, volumes: [{ hostPath: "/run/containerd/containerd.sock", target: "/run/containerd/containerd.sock", readOnly: true }] }, "DH-DOCKER-SOCKET", "volumes[0]");
svc("/var/run, with docker.sock in it", { ...GOOD, volumes: [{ hostPath: "/var/run/", target: "/host-run", readOnly: true }] }, "DH-DOCKER-SOCKET", "volumes[0]");
svc("/ mounted read-write", { ...GOOD, volumes: [{ hostPath: "/", target: "/host" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("/etc mounted read-write", { ...GOOD, volumes: [{ hostPath: "/etc", target: "/host-etc" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("/root/.ssh mounted read-write", { ...GOOD, volumes: [{ hostPath: "/root/.ssh", target: "/keys" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("/proc mounted read-write", { ...GOOD, volumes: [{ hostPath: "/proc", target: "/host/proc" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("/sys mounted read-write", { ...GOOD, volumes: [{ hostPath: "/sys", target: "/host/sys" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("/dev mounted read-write", { ...GOOD, volumes: [{ hostPath: "/dev", target: "/dev" }] }, "DH-HOST-PATH-RW", "volumes[0]");
svc("host network", { ...GOOD, networkMode: "host" }, "DH-HOST-NAMESPACE", "networkMode");
svc("host PID namespace", { ...GOOD, pid: "host" }, "DH-HOST-NAMESPACE", "pid");
svc("host IPC namespace", { ...GOOD, ipc: "host" }, "DH-HOST-NAMESPACE", "ipc");
svc("password literal", { ...GOOD, environment: { DB_PASSWORD: SECRET } }, "DH-SECRET-LITERAL", "environment.DB_PASSWORD");
svc("API token literal", { ...GOOD, environment: { GITHUB_TOKEN: SECRET } }, "DH-SECRET-LITERAL", "environment.GITHUB_TOKEN");
svc("secret key literal", { ...GOOD, environment: { APP_SECRET: SECRET } }, "DH-SECRET-LITERAL", "environment.APP_SECRET");
svc("SECRET_KEY literal", { ...GOOD, environment: { PAPERLESS_SECRET_KEY: SECRET } }, "DH-SECRET-LITERAL", "environment.PAPERLESS_SECRET_KEY");
svc("password inside a URL", { ...GOOD, environment: { DATABASE_URL: `postgres://app:${SECRET}@db:5432/app` } }, "DH-SECRET-LITERAL", "environment.DATABASE_URL");
svc("database on :latest", { ...GOOD, image: "postgres:latest" }, "DH-IMAGE-TAG", "image");
svc("untagged database", { ...GOOD, image: "mariadb" }, "DH-IMAGE-TAG", "image");
svc("a registry-hosted database on :latest", { ...GOOD, image: "lscr.io/linuxserver/mariadb:latest" }, "DH-IMAGE-TAG", "image");
svc("PostgreSQL published on all interfaces", { ...GOOD, image: "postgres:16.4", ports: [{ hostPort: 5432, containerPort: 5432 }] }, "DH-PUBLISHED-SENSITIVE-PORT", "ports[0]");
svc("Redis published on 0.0.0.0", { ...GOOD, image: "redis:7.4.1", ports: [{ hostIp: "0.0.0.0", hostPort: 6380, containerPort: 6379 }] }, "DH-PUBLISHED-SENSITIVE-PORT", "ports[0]");
svc("Docker API published", { ...GOOD, image: "tecnativa/docker-socket-proxy:0.3.0", ports: [{ hostPort: 2375, containerPort: 2375 }] }, "DH-PUBLISHED-SENSITIVE-PORT", "ports[0]");
svc("SYS_ADMIN capability", { ...GOOD, capAdd: ["SYS_ADMIN"] }, "DH-CAPABILITIES", "capAdd[0]");
svc("ALL capabilities", { ...GOOD, capAdd: ["ALL"] }, "DH-CAPABILITIES", "capAdd[0]");
svc("NET_ADMIN capability", { ...GOOD, capAdd: ["cap_net_admin"] }, "DH-CAPABILITIES", "capAdd[0]");
svc("seccomp unconfined", { ...GOOD, securityOpt: ["no-new-privileges:true", "seccomp=unconfined"] }, "DH-CAPABILITIES", "securityOpt[1]");
svc("apparmor unconfined", { ...GOOD, securityOpt: ["no-new-privileges:true", "apparmor:unconfined"] }, "DH-CAPABILITIES", "securityOpt[1]");
BAD_HOMELABS.push(
  ["Watchtower updating a database", (lab) => {
    lab.test.addService("watchtower", { ...GOOD, image: "containrrr/watchtower:1.7.1" });
    lab.test.addService("svc", { ...GOOD, image: "postgres:16.4" });
  }, "DH-AUTO-UPDATE-DATABASE", "dockhost-apps/test/service-svc", "labels.com.centurylinklabs.watchtower.enable"],
  ["two stacks publishing 443", (lab) => {
    new ComposeStack(lab.apps, "other", { engine: lab.engine, services: { web: { ...GOOD, ports: [{ hostPort: 443, containerPort: 8443 }] } } });
  }, "DH-CONFLICT-PORT", "dockhost-apps/other/service-web", "ports[0]"],
  ["two stacks publishing the same UDP port on one address", (lab) => {
    lab.test.addService("dns", { ...GOOD, ports: [{ hostIp: "192.168.1.10", hostPort: 53, containerPort: 53, protocol: "udp" }] });
    new ComposeStack(lab.apps, "other", { engine: lab.engine, services: { dns: { ...GOOD, ports: [{ hostPort: 53, containerPort: 53, protocol: "udp" }] } } });
  }, "DH-CONFLICT-PORT", "dockhost-apps/other/service-dns", "ports[0]"],
  ["two proxies routing the same host", (lab) => {
    const other = new ReverseProxy(lab.apps, "edge", { engine: lab.engine, stackName: "edge", tls: { mode: "internal" } });
    lab.test.addService("svc", { ...GOOD, expose: [80] });
    lab.proxy.expose(lab.test.service("svc"), { host: "shop.example.com" });
    other.expose(lab.appStack.service("web"), { host: "shop.example.com" });
  }, "DH-CONFLICT-ROUTE", "dockhost-apps/edge", "routes"],
  ["the same container name in two Terraform stacks on one VM", (lab) => {
    const second = new (lab.apps.constructor as typeof import("../../constructs/dockhost-stack").DockhostStack)(lab.app, "dockhost-apps-2");
    new ComposeStack(second, "app", { engine: lab.engine, services: { web: GOOD } });
  }, "DH-CONFLICT-CONTAINER-NAME", "dockhost-apps-2/app/service-web", "name"],
  ["the same volume owned by two stacks", (lab) => {
    const second = new (lab.apps.constructor as typeof import("../../constructs/dockhost-stack").DockhostStack)(lab.app, "dockhost-apps-2");
    new ComposeStack(second, "app", { engine: lab.engine, volumes: { "db-data": {} }, services: { other: { ...GOOD, volumes: [{ volume: "db-data", target: "/data" }] } } });
  }, "DH-CONFLICT-VOLUME", "dockhost-apps-2/app/volume-db-data", "name"],
  ["the same container name from another Terraform stack's engine on the same VM", (lab) => {
    const second = new (lab.apps.constructor as typeof import("../../constructs/dockhost-stack").DockhostStack)(lab.app, "dockhost-apps-2");
    new ComposeStack(second, "app", { engine: lab.dockerHost.connect(second, { id: "docker-again" }), services: { web: GOOD } });
  }, "DH-CONFLICT-CONTAINER-NAME", "dockhost-apps-2/app/service-web", "name"],
  ["memory limits split over two Terraform stacks on one VM", (lab) => {
    const second = new (lab.apps.constructor as typeof import("../../constructs/dockhost-stack").DockhostStack)(lab.app, "dockhost-apps-2");
    new ComposeStack(second, "big", { engine: lab.dockerHost.connect(second, { id: "docker-again" }), services: { svc: { ...GOOD, memoryLimitMb: 6000 } } });
  }, "DH-CAPACITY-MEMORY", "dockhost-apps/docker-dockhost", "memory"],
  ["a firewall closed to the world while the proxy needs Let's Encrypt HTTP-01 (judged once the app is built)", (lab) => {
    (lab.firewall as unknown as { webAccess: string }).webAccess = "lan";
  }, "DH-INPUT", "dockhost-infra/firewall", "validation"],
  ["a suppression naming no rule", (lab) => {
    suppress(lab.appStack, "DH-CAPACITY-MEMROY", "a typo must not silently suppress nothing");
  }, "DH-SUPPRESSION", "dockhost-apps/app/stack", "suppress(DH-CAPACITY-MEMROY)"],
  ["memory limits beyond the VM", (lab) => {
    lab.test.addService("svc", { ...GOOD, memoryLimitMb: 12_000 });
  }, "DH-CAPACITY-MEMORY", "dockhost-apps/docker-dockhost", "memory"],
  ["volume budgets beyond the Docker disk", (lab) => {
    new ComposeStack(lab.apps, "media", { engine: lab.engine, volumes: { library: { sizeBudgetGb: 40 } }, services: { svc: { ...GOOD, volumes: [{ volume: "library", target: "/media" }] } } });
  }, "DH-CAPACITY-DISK", "dockhost-apps/docker-dockhost", "disk"],
  ["CPU limits beyond the cores", (lab) => {
    lab.test.addService("svc", { ...GOOD, cpus: 4 });
  }, "DH-CAPACITY-CPU", "dockhost-apps/docker-dockhost", "cpu"],
  ["a suppression without a reason", (lab) => {
    lab.test.addService("svc", { ...GOOD, privileged: true });
    suppress(lab.test.service("svc").container, "DH-PRIVILEGED", "because");
  }, "DH-SUPPRESSION", "dockhost-apps/test/service-svc", "suppress(DH-PRIVILEGED)"],
  ["a suppressed conflict", (lab) => {
    const other = new ComposeStack(lab.apps, "other", { engine: lab.engine, services: { web: { ...GOOD, ports: [{ hostPort: 443, containerPort: 8443 }] } } });
    suppress(other, "DH-CONFLICT-PORT", "we know, it is fine really");
  }, "DH-CONFLICT-PORT", "dockhost-apps/other/service-web", "ports[0]"],
  ["SSH host key checking switched off", (lab) => {
    (lab.engine as unknown as { sshOptions: string[] }).sshOptions = ["-o", "UserKnownHostsFile=/dev/null"];
  }, "DH-SSH-HOST-KEY", "dockhost-apps/docker-dockhost", "sshOptions[1]"],
  ["a Proxmox password literal", (lab) => {
    (lab.infra.node.findChild("proxmox") as unknown as { provider: { password: string } }).provider.password = SECRET;
  }, "DH-PROXMOX-PASSWORD", "dockhost-infra/proxmox", "password"],
);

describe("a bad homelab fails synth with the rule id, construct path and key, and writes no stack", () => {
  test("the matrix has at least 30 distinct invalid homelabs", () => {
    expect(new Set(BAD_HOMELABS.map(([name]) => name)).size).toBeGreaterThanOrEqual(30);
  });

  test.each(BAD_HOMELABS)("%s", (_, breakIt, ruleId, constructPath, key) => {
    const lab = labWith({});
    breakIt(lab);
    let error: unknown;
    try {
      lab.app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const message = (error as Error).message;
    expect(message).toContain(`[${ruleId}] ${constructPath}: ${key}:`);
    expect(anyStackWritten(lab.app)).toBe(false);
    const report = fs.readFileSync(path.join(lab.app.outdir, REPORT_FILES.json), "utf8");
    for (const text of [message, report, fs.readFileSync(path.join(lab.app.outdir, REPORT_FILES.markdown), "utf8")]) {
      expect(text).not.toContain(SECRET);
    }
  });
});

describe("the reference homelab", () => {
  test("passes with zero unsuppressed errors; every suppression has a reason", () => {
    const lab = labWith({});
    lab.app.synth();
    const report = lab.app.policyReport!;
    expect(report.errors).toEqual([]);
    for (const row of report.rows.filter((r) => r.status === "suppressed")) expect(row.reason!.length).toBeGreaterThanOrEqual(10);
    expect(anyStackWritten(lab.app)).toBe(true);
  });

  test("the report lists every rule x construct per stack, in JSON and Markdown, with the capacity table", () => {
    const lab = labWith({ svc: GOOD });
    lab.app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(lab.app.outdir, REPORT_FILES.json), "utf8"));
    const serviceRows = json.rows.filter((r: { path: string }) => r.path === "dockhost-apps/test/service-svc");
    expect(serviceRows.length).toBe(14);
    expect(json.capacity.map((c: { resource: string }) => c.resource)).toEqual(["memory", "disk", "cpu"]);
    const markdown = fs.readFileSync(path.join(lab.app.outdir, REPORT_FILES.markdown), "utf8");
    expect(markdown).toContain("## Capacity");
    expect(markdown).toContain("## Stack dockhost-apps");
    expect(markdown).toContain("## Stack dockhost-infra");
    expect(markdown).toMatch(/\| DH-DOCKER-SOCKET \| error \| dockhost-apps\/proxy\/socket-proxy\/service-socket-proxy \| suppressed \|/);
  });

  test("capacity: 80 % is a warning, and the minimums reach the VM variables' validation", () => {
    const lab = labWith({ svc: { ...GOOD, memoryLimitMb: 2208 } });
    lab.app.synth();
    const memory = lab.app.policyReport!.capacity.find((c) => c.resource === "memory")!;
    // Host reserve 1024 + app stack 1664 + Nextcloud 1792 + Traefik 256 + socket proxy 64 + monitoring 1856 + volume backup 256 and its socket proxy 64 + this service 2208.
    expect(memory).toMatchObject({ need: 9184, capacity: 10240, status: "warning" });
    expect(lab.app.policyReport!.warnings.map((w) => w.ruleId)).toContain("DH-CAPACITY-MEMORY");
    const infra = JSON.parse(fs.readFileSync(path.join(lab.app.outdir, "stacks", "dockhost-infra", "cdk.tf.json"), "utf8"));
    expect(infra.variable.vm_memory.validation).toContainEqual({
      condition: `\${var.vm_memory >= ${memory.need}}`,
      error_message: `vm_memory must be at least ${memory.need} MB: the containers' memory limits plus the host's reserve.`,
    });
  });

});
