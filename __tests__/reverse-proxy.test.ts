import { parse } from "yaml";
import { ComposeStack } from "../constructs/compose-stack";
import { ReverseProxy, ReverseProxyProps } from "../constructs/reverse-proxy";
import { Secret } from "../constructs/secret";
import { buildReferenceHomelab } from "../main";
import { conformanceProblems } from "./support/schema-conformance";
import { synthStack, testApp } from "./support/synth";
import { evaluateTemplate } from "./support/terraform-template";
import { describeSchemaErrors, traefikValidators, yamllint } from "./support/validators";
import { needs } from "./support/requirements";

const SAMPLE = { "var.acme_email": "admin@example.com", "var.domain": "home.example.com" };

/** A homelab with a proxy of our own making and a small app stack to route. */
function proxyLab(props: Partial<ReverseProxyProps> = {}) {
  const { apps, engine } = buildReferenceHomelab(testApp());
  const proxy = new ReverseProxy(apps, "edge", { engine, stackName: "edge", tls: { email: "admin@example.com" }, ...props });
  const shop = new ComposeStack(apps, "shop", {
    engine,
    services: {
      front: { image: "nginx:1.27.3-alpine", expose: [80] },
      back: { image: "postgrest/postgrest:v12.2.3", expose: [3000, 3001] },
      db: { image: "postgres:16.4-alpine" },
    },
  });
  return { apps, engine, proxy, shop };
}

function uploads(container: any): Record<string, string> {
  return Object.fromEntries((container.upload ?? []).map((u: any) => [u.file, u.content]));
}

describe("the reference homelab's proxy", () => {
  const { apps, proxy } = buildReferenceHomelab(testApp());
  const json = synthStack(apps);
  const traefik = json.resource.docker_container.proxy_traefik;
  const files = uploads(traefik);
  const staticYaml = evaluateTemplate(files["/etc/traefik/traefik.yml"], SAMPLE);
  const middlewaresYaml = files["/etc/traefik/dynamic/middlewares.yml"];
  const labels = (id: string) => Object.fromEntries((json.resource.docker_container[id].labels ?? []).map((l: any) => [l.label, l.value]));

  test("Traefik v3, pinned, publishes 80 and 443; HTTP redirects to HTTPS", () => {
    expect(json.resource.docker_image["docker-dockhost_traefik_v3_6_24"].name).toBe("traefik:v3.6.24");
    // On IPv4 and IPv6, as compose publishes a port without a host address.
    expect(traefik.ports).toEqual([
      { internal: 80, external: 80, ip: "0.0.0.0" },
      { internal: 80, external: 80, ip: "::" },
      { internal: 443, external: 443, ip: "0.0.0.0" },
      { internal: 443, external: 443, ip: "::" },
    ]);
    const config = parse(staticYaml);
    expect(config.entryPoints.web).toEqual({ address: ":80", http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } });
    expect(config.entryPoints.websecure).toEqual({ address: ":443" });
  });

  test("Docker provider through the socket proxy, exposedByDefault off, on the proxy network", () => {
    expect(parse(staticYaml).providers.docker).toEqual({ endpoint: "tcp://socket-proxy:2375", exposedByDefault: false, network: "proxy", watch: true });
    expect(json.resource.docker_network.proxy_network.name).toBe("proxy");
  });

  test("Let's Encrypt HTTP-01 with the account e-mail from a variable and acme.json on a persistent volume", () => {
    expect(files["/etc/traefik/traefik.yml"]).toContain("email: ${var.acme_email}");
    expect(parse(staticYaml).certificatesResolvers.letsencrypt.acme).toEqual({
      email: "admin@example.com",
      storage: "/letsencrypt/acme.json",
      httpChallenge: { entryPoint: "web" },
    });
    expect(traefik.volumes).toEqual([{ volume_name: "proxy_letsencrypt", container_path: "/letsencrypt" }]);
    expect(parse(staticYaml).api.dashboard).toBe(false);
  });

  test("routes: host rule, websecure, certresolver, middlewares, service port", () => {
    expect(labels("app_web")).toEqual({
      "traefik.enable": "true",
      "traefik.docker.network": "${docker_network.proxy_network.name}",
      "traefik.http.routers.app-web.rule": "Host(`app.${var.domain}`)",
      "traefik.http.routers.app-web.entrypoints": "websecure",
      "traefik.http.routers.app-web.service": "app-web",
      "traefik.http.routers.app-web.tls.certresolver": "letsencrypt",
      "traefik.http.routers.app-web.middlewares": "security-headers@file",
      "traefik.http.services.app-web.loadbalancer.server.port": "80",
    });
    expect(labels("app_api")["traefik.http.routers.app-api.middlewares"]).toBe("security-headers@file,rate-limit@file");
    expect(labels("app_api")["traefik.http.services.app-api.loadbalancer.server.port"]).toBe("3000");
    expect(Object.keys(labels("app_db")).filter((label) => label.startsWith("traefik."))).toEqual([]);
  });

  test("routed services join the proxy network; the socket proxy sits alone on an internal network", () => {
    const networks = (id: string) => json.resource.docker_container[id].networks_advanced.map((n: any) => n.name);
    expect(networks("app_web")).toEqual(["${docker_network.app_network.name}", "${docker_network.proxy_network.name}"]);
    expect(networks("app_db")).toEqual(["${docker_network.app_network.name}"]);
    expect(networks("proxy_traefik")).toEqual(["${docker_network.proxy_network.name}", "${docker_network.proxy-socket_network.name}"]);
    expect(networks("proxy-socket_socket-proxy")).toEqual(["${docker_network.proxy-socket_network.name}"]);
    expect(json.resource.docker_network["proxy-socket_network"].internal).toBe(true);
  });

  test("the socket proxy allows only Traefik's read endpoints; Traefik never mounts docker.sock", () => {
    const socketProxy = json.resource.docker_container["proxy-socket_socket-proxy"];
    expect(socketProxy.env).toEqual(["CONTAINERS=1", "EVENTS=1", "PING=1", "POST=0", "VERSION=1"]);
    expect(traefik.volumes.some((v: any) => v.host_path === "/var/run/docker.sock")).toBe(false);
  });

  test("static config validates against Traefik v3's JSON schema; the validator can fail", () => {
    const { staticConfig } = traefikValidators();
    expect(staticConfig(parse(staticYaml))).toBe(true);
    expect(describeSchemaErrors(staticConfig)).toBe("");
    expect(staticConfig({ entryPoints: { web: { adress: ":80" } } })).toBe(false);
  });

  test("dynamic config (middlewares file and every route) validates against the file-provider schema", () => {
    const { dynamicConfig } = traefikValidators();
    for (const config of [parse(middlewaresYaml), ...proxy.routeList.map((r) => r.dynamicConfig)]) {
      const valid = dynamicConfig(config);
      expect(describeSchemaErrors(dynamicConfig)).toBe("");
      expect(valid).toBe(true);
    }
    expect(dynamicConfig({ http: { routers: { x: { rule: "Host(`a`)", entryPoints: "websecure" } } } })).toBe(false);
  });

  needs("yamllint").test("the YAML files pass yamllint", () => {
    expect(yamllint(staticYaml)).toBe("");
    expect(yamllint(middlewaresYaml)).toBe("");
    expect(yamllint("a: 1\na: 2\n")).not.toBe("");
  });

  test("docker_* blocks conform to the provider schema", () => {
    expect(conformanceProblems(json, "registry.terraform.io/kreuzwerker/docker", "docker_")).toEqual([]);
  });
});

describe("ReverseProxy options", () => {
  test("several routes, path prefixes, LAN-only and basic auth middlewares", () => {
    const { apps, engine, shop } = proxyLab();
    const admins = new Secret(apps, "admin_htpasswd");
    const proxy = new ReverseProxy(apps, "lan-edge", { engine, stackName: "lan-edge", tls: { mode: "internal" }, basicAuth: { admins }, publishHostIp: "192.168.1.10" });
    const front = proxy.expose(shop.service("front"), { host: "shop.home.arpa" });
    const api = proxy.expose(shop.service("back"), { host: "shop.home.arpa", pathPrefix: "/api", port: 3000, middlewares: [proxy.lanOnly, proxy.basicAuth("admins")] });
    expect(front.labels["traefik.http.routers.shop-front.rule"]).toBe("Host(`shop.home.arpa`)");
    expect(front.labels["traefik.http.routers.shop-front.tls.certresolver"]).toBeUndefined();
    // Without a resolver the router must still terminate TLS (Traefik's own certificate) on websecure.
    expect(front.labels["traefik.http.routers.shop-front.tls"]).toBe("true");
    expect(api.labels["traefik.http.routers.shop-back.rule"]).toBe("Host(`shop.home.arpa`) && PathPrefix(`/api`)");
    expect(api.labels["traefik.http.routers.shop-back.middlewares"]).toBe("lan-only@file,admins@file");
    const second = proxy.expose(shop.service("back"), { host: "admin.home.arpa", port: 3001 });
    expect(second.name).toBe("shop-back-2");
    const json = synthStack(apps);
    const traefik = json.resource.docker_container["lan-edge_traefik"];
    expect(traefik.ports[0]).toEqual({ internal: 80, external: 80, ip: "192.168.1.10" });
    expect(traefik.env).toContain("DOCKHOST_HTPASSWD_ADMIN_HTPASSWD_FILE=/run/secrets/admin_htpasswd");
    const middlewares = parse(uploads(traefik)["/etc/traefik/dynamic/middlewares.yml"]).http.middlewares;
    expect(middlewares.admins).toEqual({ basicAuth: { usersFile: "/run/secrets/admin_htpasswd" } });
    expect(middlewares["lan-only"]).toEqual({ ipAllowList: { sourceRange: ["192.168.1.0/24"] } });
    expect(parse(uploads(traefik)["/etc/traefik/traefik.yml"]).certificatesResolvers).toBeUndefined();
  });

  test("DNS-01 (Cloudflare) with the token as a *_FILE secret, and the staging switch", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    const token = new Secret(apps, "cloudflare_token");
    const proxy = new ReverseProxy(apps, "dns-edge", { engine, stackName: "dns-edge", tls: { mode: "acme-dns", email: "me@example.com", staging: true, dnsProvider: "cloudflare", dnsCredentials: { CF_DNS_API_TOKEN: token } } });
    const acme = parse(proxy.stack.service("traefik").spec.files!["/etc/traefik/traefik.yml"]).certificatesResolvers.letsencrypt.acme;
    expect(acme.dnsChallenge.provider).toBe("cloudflare");
    expect(acme.caServer).toBe("https://acme-staging-v02.api.letsencrypt.org/directory");
    const container = synthStack(apps).resource.docker_container;
    const traefik = Object.values<any>(container).find((c) => (c.env ?? []).some((e: string) => e.startsWith("CF_DNS_API_TOKEN_FILE")));
    expect(traefik.env).toContain("CF_DNS_API_TOKEN_FILE=/run/secrets/cloudflare_token");
    expect(uploads(traefik)["/run/secrets/cloudflare_token"]).toBe("${var.cloudflare_token}");
  });

  test("the dashboard is off by default, and only ever behind basic auth on its own host", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    const admins = new Secret(apps, "admins");
    const proxy = new ReverseProxy(apps, "dash-edge", { engine, stackName: "dash-edge", tls: { mode: "internal" }, basicAuth: { admins }, dashboardHost: "traefik.home.arpa", dashboardAuth: "admins" });
    const traefik = proxy.stack.service("traefik");
    expect(parse(traefik.spec.files!["/etc/traefik/traefik.yml"]).api).toEqual({ dashboard: true });
    const labels = Object.fromEntries(synthStack(apps).resource.docker_container[traefik.container.friendlyUniqueId].labels.map((l: any) => [l.label, l.value]));
    expect(labels["traefik.http.routers.dashboard.service"]).toBe("api@internal");
    expect(labels["traefik.http.routers.dashboard.middlewares"]).toBe("admins@file,security-headers@file");
  });
});

describe("ReverseProxy bad input", () => {
  test("two routes with the same host and path", () => {
    const { proxy, shop } = proxyLab();
    proxy.expose(shop.service("front"), { host: "shop.example.com" });
    expect(() => proxy.expose(shop.service("back"), { host: "shop.example.com", port: 3000 })).toThrow(
      /^dockhost-apps\/edge: invalid expose\.host = "shop\.example\.com"; .*route shop-front to shop-front has it/,
    );
  });

  test.each(["Shop.example.com", "shop", "shop..example.com", "-shop.example.com", "*.example.com", "shop_1.example.com"])("invalid host name %s", (host) => {
    const { proxy, shop } = proxyLab();
    expect(() => proxy.expose(shop.service("front"), { host })).toThrow(/^dockhost-apps\/edge: invalid expose\.host = .*expected a lowercase host name/);
  });

  test("a port the service does not expose, and a service with several ports and none named", () => {
    const { proxy, shop } = proxyLab();
    expect(() => proxy.expose(shop.service("front"), { host: "a.example.com", port: 8080 })).toThrow(/invalid expose\.port = 8080; expected a port service shop-front exposes: 80/);
    expect(() => proxy.expose(shop.service("back"), { host: "b.example.com" })).toThrow(/invalid expose\.port = \(missing\); service shop-back exposes ports 3000, 3001/);
    expect(() => proxy.expose(shop.service("db"), { host: "c.example.com" })).toThrow(/service shop-db exposes no port/);
  });

  test("DNS-01 with no credentials, or no provider", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    expect(() => new ReverseProxy(apps, "a", { engine, tls: { mode: "acme-dns", email: "me@example.com", dnsProvider: "cloudflare" } })).toThrow(
      /^dockhost-apps\/a: invalid tls\.dnsCredentials = \{\}; expected the credentials of DNS provider cloudflare/,
    );
    expect(() => new ReverseProxy(apps, "b", { engine, tls: { mode: "acme-dns", email: "me@example.com" } })).toThrow(/invalid tls\.dnsProvider/);
  });

  test.each(["admin", "admin@", "@example.com", "admin@example", "a b@example.com"])("an ACME e-mail that is not one: %s", (email) => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    expect(() => new ReverseProxy(apps, "a", { engine, tls: { email } })).toThrow(/^dockhost-apps\/a: invalid tls\.email = .*expected an e-mail address/);
  });

  test("ACME without an e-mail", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    expect(() => new ReverseProxy(apps, "a", { engine })).toThrow(/invalid tls\.email = \(missing\)/);
  });

  test("exposing a service that is not in the proxy's apps stack", () => {
    const { proxy } = proxyLab();
    const other = buildReferenceHomelab(testApp());
    expect(() => proxy.expose(other.appStack.service("web"), { host: "x.example.com" })).toThrow(/^dockhost-apps\/edge: invalid expose\.service = "app-web"; expected a service on engine/);
  });

  test("a dashboard without auth", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    expect(() => new ReverseProxy(apps, "a", { engine, tls: { mode: "internal" }, dashboardHost: "traefik.home.arpa" })).toThrow(/invalid dashboardAuth = \(missing\); .*never served without auth/);
  });

  test("two proxies with the same stack name in one Terraform stack", () => {
    const { apps, engine } = buildReferenceHomelab(testApp());
    // The error is on the stackName the user wrote, not on the socket stack derived from it.
    expect(() => new ReverseProxy(apps, "again", { engine, stackName: "proxy", tls: { mode: "internal" } })).toThrow(/^dockhost-apps\/again: invalid stackName = "proxy"; a stack name not already used in Terraform stack dockhost-apps \(proxy is\)/);
  });

  test("an unknown basic-auth middleware", () => {
    const { proxy } = proxyLab();
    expect(() => proxy.basicAuth("nobody")).toThrow(/invalid basicAuth = "nobody"/);
  });
});
