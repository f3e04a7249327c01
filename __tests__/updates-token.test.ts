/**
 * `dockhost updates`' Bearer-token path against a registry that really checks tokens: Debian's
 * docker-registry (distribution 2.8.2) with `auth: token:`. The token issuer is test scaffolding
 * (it grants whatever scope is asked, anonymously, as Docker Hub does for public pulls); the
 * verification is the registry's. What distribution 2.8.2 requires of a token
 * (registry/auth/token/token.go, Token.Verify and VerifySigningKey; accesscontroller.go):
 * - `iss` equal to the configured issuer, `aud` (a string in 2.8) equal to the service, `exp`/`nbf`;
 * - a signing key found by the header's `x5c` (the chain must verify against rootcertbundle) or
 *   `kid` (a libtrust key id of a rootcertbundle key); here x5c, the bundle holding the cert;
 * - an `access` claim `[{type, name, actions}]` covering the request (`repository:<name>:pull`);
 * - the 401's challenge is `Bearer realm="...",service="...",scope="repository:<name>:pull"`.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { command } from "../lib/cli/commands/updates";
import { RegistryClient } from "../lib/updates/registry";
import { freePort, LoopbackRegistry, pushImage, REGISTRY_BIN, startRegistry } from "./support/registry";
import { needs } from "./support/requirements";
import { captureIo } from "./support/cli";
import { tempDir } from "./support/synth";

const SERVICE = "registry.dockhost.test";
const ISSUER = "dockhost-test-issuer";

interface KeyPair {
  readonly key: crypto.KeyObject;
  /** The certificate, DER, base64 (an x5c entry). */
  readonly certDer: string;
  readonly certPem: string;
}

/** An RSA key and its self-signed certificate (openssl, as an issuer's operator would make them). */
function keyPair(dir: string, name: string): KeyPair {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${name}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  const certPem = fs.readFileSync(certFile, "utf8");
  return { key: crypto.createPrivateKey(fs.readFileSync(keyFile)), certPem, certDer: new crypto.X509Certificate(certPem).raw.toString("base64") };
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWT as distribution reads it: RS256, x5c header; the access claim from a `type:name:actions` scope. */
function signToken(signer: KeyPair, claims: { scope: string; aud?: string; iss?: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const access = claims.scope.split(" ").filter(Boolean).map((s) => {
    const [type, name, actions] = s.split(":");
    return { type, name, actions: actions.split(",") };
  });
  const header = b64url({ typ: "JWT", alg: "RS256", x5c: [signer.certDer] });
  const payload = b64url({ iss: claims.iss ?? ISSUER, sub: "", aud: claims.aud ?? SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access });
  const signature = crypto.sign("sha256", Buffer.from(`${header}.${payload}`), signer.key).toString("base64url");
  return `${header}.${payload}.${signature}`;
}


describe("dockhost updates against a registry that requires Bearer tokens", () => {
  let registry: LoopbackRegistry;
  let issuer: http.Server;
  let trusted: KeyPair;
  let untrusted: KeyPair;
  /** What the issuer signs with (switched to an untrusted key by a test). */
  let signer: KeyPair;
  let realm: string;
  const requests: URLSearchParams[] = [];
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    if (!fs.existsSync(REGISTRY_BIN)) return;
    const dir = tempDir("registry-token");
    trusted = keyPair(dir, "issuer");
    untrusted = keyPair(dir, "stranger");
    signer = trusted;
    const port = await freePort();
    realm = `http://127.0.0.1:${port}/token`;
    issuer = http.createServer((req, res) => {
      const query = new URL(req.url!, `http://127.0.0.1:${port}`).searchParams;
      requests.push(query);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ token: signToken(signer, { scope: query.get("scope") ?? "" }), expires_in: 300 }));
    });
    await new Promise<void>((resolve) => issuer.listen(port, "127.0.0.1", resolve));
    const bundle = path.join(dir, "rootcertbundle.pem");
    fs.writeFileSync(bundle, trusted.certPem);
    registry = await startRegistry(dir, `auth:\n  token:\n    realm: ${realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${bundle}\n`);
    const push = { Authorization: `Bearer ${signToken(trusted, { scope: "repository:library/postgres:pull,push repository:library/nginx:pull,push" })}` };
    for (const tag of ["16.4-alpine", "16.6-alpine", "17.2-alpine"]) digests[`postgres:${tag}`] = await pushImage(registry.base, "library/postgres", tag, push);
    for (const tag of ["1.27.3-alpine", "1.28.0-alpine"]) digests[`nginx:${tag}`] = await pushImage(registry.base, "library/nginx", tag, push);
    requests.length = 0;
  }, 30_000);

  afterAll(async () => {
    registry?.stop();
    if (issuer) await new Promise((resolve) => issuer.close(resolve));
  });

  beforeEach(() => {
    signer = trusted;
    requests.length = 0;
  });

  needs("docker-registry", "openssl").test("the registry refuses anonymous requests with a Bearer challenge, and checks a token's key, audience and scope", async () => {
    const url = `${registry.base}/v2/library/postgres/tags/list`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(`Bearer realm="${realm}",service="${SERVICE}",scope="repository:library/postgres:pull"`);
    const withToken = (token: string) => fetch(url, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await withToken(signToken(trusted, { scope: "repository:library/postgres:pull" }))).toBe(200);
    // The verification is real: each of these fails.
    expect(await withToken(signToken(untrusted, { scope: "repository:library/postgres:pull" }))).toBe(401);
    expect(await withToken(signToken(trusted, { scope: "repository:library/postgres:pull", aud: "another-registry" }))).toBe(401);
    expect(await withToken(signToken(trusted, { scope: "repository:library/postgres:pull", iss: "someone-else" }))).toBe(401);
    expect(await withToken(signToken(trusted, { scope: "repository:library/nginx:pull" }))).toBe(401);
  });

  needs("docker-registry", "openssl").test("the client follows the challenge to the token service, then lists tags and reads digests", async () => {
    const client = new RegistryClient();
    const repo = { baseUrl: registry.base, name: "library/postgres" };
    expect((await client.tags(repo)).sort()).toEqual(["16.4-alpine", "16.6-alpine", "17.2-alpine"]);
    expect(await client.digest(repo, "16.6-alpine")).toBe(digests["postgres:16.6-alpine"]);
    // One token for the repository, asked with the challenge's service and scope, then reused.
    expect(requests.map((q) => [q.get("service"), q.get("scope")])).toEqual([[SERVICE, "repository:library/postgres:pull"]]);
  });

  needs("docker-registry", "openssl").test("dockhost updates --pin --bump through the token path; a token the registry rejects is an error naming the request", async () => {
    const work = tempDir("homelab-token");
    const file = path.join(work, "main.ts");
    fs.writeFileSync(file, `const db = { image: "${registry.host}/library/postgres:16.4-alpine" };\nexport const WEB_IMAGE = "${registry.host}/library/nginx:1.27.3-alpine";\n`);
    const out = captureIo(work);
    expect(await command.run(["--pin", "--bump"], out)).toBe(0);
    expect(out.errors).toEqual([]);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`"${registry.host}/library/postgres:16.6-alpine@${digests["postgres:16.6-alpine"]}"`);
    expect(text).toContain(`"${registry.host}/library/nginx:1.28.0-alpine@${digests["nginx:1.28.0-alpine"]}"`);
    expect(new Set(requests.map((q) => q.get("scope")))).toEqual(new Set(["repository:library/postgres:pull", "repository:library/nginx:pull"]));

    signer = untrusted;
    const refused = captureIo(work);
    expect(await command.run([], refused)).toBe(1);
    expect(refused.errors[0]).toMatch(/postgres:16\.6-alpine@sha256:[0-9a-f]{64} \(main\.ts:1\): GET .*\/v2\/library\/postgres\/tags\/list.*HTTP 401/);
  });
});
