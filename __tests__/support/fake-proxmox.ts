/**
 * A fake Proxmox VE API on 127.0.0.1 for `dockhost doctor`'s tests. It serves the GET methods
 * doctor calls from a state the test shapes, and checks every exchange against the official API
 * schema (support/pve-schema.ts): each request's parameters, the method's permission check (the
 * ACL in the state decides), and each answer it gives. A
 * non-conforming answer is not sent (HTTP 500) and is recorded in `schemaErrors`, so a test
 * that forgets to look still sees doctor fail. Anything but GET is refused and recorded.
 */
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import { apiPathTemplate, pvePermitted, pveRequestErrors, pveResponseErrors } from "./pve-schema";

export interface FakeGuest {
  readonly vmid: number;
  readonly node: string;
  readonly name: string;
  readonly type?: "qemu" | "lxc";
  readonly template?: 0 | 1;
}

export interface FakeStorage {
  readonly storage: string;
  readonly type: string;
  readonly content: string;
}

export interface FakeProxmoxState {
  version: string;
  nodes: string[];
  guests: FakeGuest[];
  /** VM configurations by VM id (the `digest` is added). */
  configs: Record<number, Record<string, string | number>>;
  storages: Record<string, FakeStorage[]>;
  firewall: { enable?: 0 | 1 };
  /** Privileges granted at ACL paths; a path inherits from its nearest granted ancestor. */
  acl: Record<string, string[]>;
}

export const FAKE_TOKEN = "dockhost@pve!doctor=0b5e7a34-2f6c-4a1e-9d3b-7c1f2e8a9b40";

/** Every privilege the stacks need, and Sys.Audit (doctor reads the datacenter firewall with it). */
export const FULL_ROLE = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.Audit",
  "SDN.Use",
  "Sys.Audit",
  "Sys.Modify",
  "VM.Allocate",
  "VM.Audit",
  "VM.Clone",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.GuestAgent.Audit",
  "VM.PowerMgmt",
];

/** A Proxmox ready for the seed's homelab: node pve, template 9001, ids from 9010 free. */
export function healthyState(): FakeProxmoxState {
  return {
    version: "9.1.1",
    nodes: ["pve"],
    guests: [
      { vmid: 100, node: "pve", name: "nas" },
      { vmid: 9001, node: "pve", name: "ubuntu-noble-cloudinit", template: 1 },
    ],
    configs: {
      100: { name: "nas", cores: 2, memory: "4096", scsi0: "local-lvm:vm-100-disk-0,size=32G", net0: "virtio=BC:24:11:5E:00:64,bridge=vmbr0" },
      9001: {
        name: "ubuntu-noble-cloudinit",
        template: 1,
        cores: 2,
        memory: "2048",
        scsihw: "virtio-scsi-single",
        scsi0: "local-lvm:base-9001-disk-0,iothread=1,size=3584M",
        ide2: "local-lvm:vm-9001-cloudinit,media=cdrom",
        boot: "order=scsi0",
        net0: "virtio=BC:24:11:5E:23:29,bridge=vmbr0",
        agent: "1",
        serial0: "socket",
        vga: "serial0",
      },
    },
    storages: {
      pve: [
        { storage: "local", type: "dir", content: "iso,vztmpl,backup,snippets" },
        { storage: "local-lvm", type: "lvmthin", content: "images,rootdir" },
      ],
    },
    firewall: { enable: 1 },
    acl: { "/": [...FULL_ROLE] },
  };
}

export interface FakeProxmox {
  readonly endpoint: string;
  readonly state: FakeProxmoxState;
  /** Every request: method and path with query. */
  readonly requests: string[];
  readonly schemaErrors: string[];
  close(): Promise<void>;
}

function effectivePrivileges(acl: Record<string, string[]>, path: string): string[] {
  for (let p = path; ; p = p.slice(0, p.lastIndexOf("/")) || "/") {
    if (acl[p]) return acl[p];
    if (p === "/") return [];
  }
}

function answer(state: FakeProxmoxState, template: string, params: Record<string, string>): { status: number; data?: unknown } {
  switch (template) {
    case "/version":
      return { status: 200, data: { version: state.version, release: state.version.split(".").slice(0, 2).join("."), repoid: "6d5d2ae3" } };
    case "/nodes":
      return { status: 200, data: state.nodes.map((node) => ({ node, status: "online", maxcpu: 8, maxmem: 34359738368, uptime: 86400 })) };
    case "/cluster/resources":
      return {
        status: 200,
        data: state.guests.map((g) => ({ id: `${g.type ?? "qemu"}/${g.vmid}`, type: g.type ?? "qemu", vmid: g.vmid, node: g.node, name: g.name, template: g.template ?? 0, status: g.template ? "stopped" : "running" })),
      };
    case "/nodes/{node}/qemu/{vmid}/config": {
      const guest = state.guests.find((g) => g.vmid === Number(params.vmid) && g.node === params.node);
      const config = state.configs[Number(params.vmid)];
      if (!guest || !config) return { status: 500 };
      return { status: 200, data: { ...config, digest: "3d1f0d6e2a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d" } };
    }
    case "/nodes/{node}/storage":
      return { status: 200, data: (state.storages[params.node] ?? []).map((s) => ({ ...s, active: 1, enabled: 1, shared: 0, total: 107374182400, used: 21474836480, avail: 85899345920 })) };
    case "/cluster/firewall/options":
      return { status: 200, data: { ...state.firewall, policy_in: "DROP", policy_out: "ACCEPT" } };
    case "/access/permissions": {
      const path = params.path ?? "/";
      return { status: 200, data: { [path]: Object.fromEntries(effectivePrivileges(state.acl, path).map((p) => [p, 1])) } };
    }
    default:
      return { status: 501 };
  }
}

/** A self-signed certificate for 127.0.0.1, as a fresh Proxmox install has one of its own. */
async function selfSignedPair(): Promise<{ cert: string; key: string }> {
  const selfsigned = require("selfsigned");
  const pems = await selfsigned.generate([{ name: "commonName", value: "pve.lan" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(Date.now() - 60 * 60 * 1000),
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
  });
  return { cert: pems.cert, key: pems.private };
}

/** Starts the fake on a free loopback port: plain HTTP, or HTTPS with a self-signed certificate. */
export async function startFakeProxmox(state: FakeProxmoxState = healthyState(), options: { tls?: boolean } = {}): Promise<FakeProxmox> {
  const requests: string[] = [];
  const schemaErrors: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const reply = (status: number, data?: unknown) => {
      res.writeHead(status, `${status === 200 ? "OK" : "refused by the fake"}`, { "Content-Type": "application/json;charset=UTF-8" });
      res.end(JSON.stringify({ data: data ?? null }));
    };
    if (req.method !== "GET") return reply(501);
    if (req.headers.authorization !== `PVEAPIToken=${FAKE_TOKEN}`) {
      res.writeHead(401, "authentication failure");
      return res.end();
    }
    const apiPath = url.pathname.replace(/^\/api2\/json/, "");
    const template = apiPathTemplate(apiPath);
    if (template === undefined) return reply(501);
    // Path parameters by name, then the query.
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const values = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`).exec(apiPath)?.slice(1) ?? [];
    const params: Record<string, string> = { ...Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i])])), ...Object.fromEntries(url.searchParams) };
    const requestErrors = pveRequestErrors(template, params);
    if (requestErrors.length > 0) {
      schemaErrors.push(...requestErrors.map((e) => `GET ${template} request: ${e}`));
      return reply(400);
    }
    if (!pvePermitted(template, params, (path) => effectivePrivileges(state.acl, path))) {
      res.writeHead(403, "Permission check failed");
      return res.end(JSON.stringify({ data: null }));
    }
    const { status, data } = answer(state, template, params);
    if (status !== 200) return reply(status);
    const errors = pveResponseErrors(template, data);
    if (errors.length > 0) {
      schemaErrors.push(...errors.map((e) => `GET ${template} answer: ${e}`));
      return reply(500);
    }
    reply(200, data);
  };
  const server = options.tls ? https.createServer(await selfSignedPair(), handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${options.tls ? "https" : "http"}://127.0.0.1:${port}/`,
    state,
    requests,
    schemaErrors,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
