import { PortSpec } from "../../lib/compose/service";
import {
  formatDevice,
  formatPort,
  formatRestart,
  formatVolume,
  parseDevice,
  parsePort,
  parseRestart,
  parseVolume,
} from "../../lib/compose/short-syntax";

const fail = (allowed: string): never => {
  throw new Error(allowed);
};

describe("ports", () => {
  it.each<[string, PortSpec]>([
    ["80", { containerPort: 80 }],
    ["8080:80", { hostPort: 8080, containerPort: 80 }],
    ["53:53/udp", { hostPort: 53, containerPort: 53, protocol: "udp" }],
    ["127.0.0.1:8080:80/tcp", { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    ["127.0.0.1::80", { hostIp: "127.0.0.1", containerPort: 80 }],
    ["[::1]:8080:80", { hostIp: "::1", hostPort: 8080, containerPort: 80 }],
    ["::1:8080:80", { hostIp: "::1", hostPort: 8080, containerPort: 80 }],
  ])("reads %s", (text, port) => {
    expect(parsePort(text, fail)).toEqual(port);
  });

  it.each([
    [{ containerPort: 80 }, "80"],
    [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }, "8080:80/tcp"],
    [{ hostIp: "127.0.0.1", containerPort: 80 }, "127.0.0.1::80"],
    [{ hostIp: "::1", hostPort: 8080, containerPort: 80, protocol: "udp" }, "[::1]:8080:80/udp"],
  ] as [PortSpec, string][])("writes %j as %s and reads it back", (port, text) => {
    expect(formatPort(port)).toBe(text);
    expect(parsePort(text, fail)).toEqual(port);
  });

  it.each([
    ["8000-8010:8000-8010", "ranges are not supported"],
    ["80/sctp", "protocol tcp or udp"],
    ["http", "a port mapping"],
    ["80:", "a port mapping"],
  ])("rejects %s", (text, message) => {
    expect(() => parsePort(text, fail)).toThrow(message);
  });
});

describe("volumes", () => {
  it.each([
    ["data:/var/lib/data", { volume: "data", target: "/var/lib/data" }],
    ["data:/data:ro", { volume: "data", target: "/data", readOnly: true }],
    ["/srv/app:/app:rw", { hostPath: "/srv/app", target: "/app", readOnly: false }],
    ["./config:/config", { hostPath: "./config", target: "/config" }],
    ["~/media:/media", { hostPath: "~/media", target: "/media" }],
    ["/:/host:ro,rslave", { hostPath: "/", target: "/host", readOnly: true, propagation: "rslave" }],
  ])("reads %s and writes it back", (text, mount) => {
    expect(parseVolume(text, fail)).toEqual(mount);
    expect(formatVolume(parseVolume(text, fail))).toBe(text);
  });

  it.each([
    ["/data", "anonymous volumes are not supported"],
    ["data:/data:nocopy", "nocopy is not supported"],
    ["/srv:/data:rw,rslave,shared", "propagation only on bind mounts"],
    ["data:/data:ro,rslave", "propagation only on bind mounts"],
    [":/data", "a mount source:target"],
    ["a:/b:ro:extra", "a mount source:target"],
  ])("rejects %s", (text, message) => {
    expect(() => parseVolume(text, fail)).toThrow(message);
  });
});

describe("devices", () => {
  it.each([
    ["/dev/dri", { hostPath: "/dev/dri" }],
    ["/dev/ttyUSB0:/dev/zigbee", { hostPath: "/dev/ttyUSB0", containerPath: "/dev/zigbee" }],
    ["/dev/sda:r", { hostPath: "/dev/sda", permissions: "r" }],
    ["/dev/dri:/dev/dri:rwm", { hostPath: "/dev/dri", containerPath: "/dev/dri", permissions: "rwm" }],
  ])("reads %s and writes it back", (text, device) => {
    expect(parseDevice(text, fail)).toEqual(device);
    expect(formatDevice(device)).toBe(text);
  });

  it.each(["", "/dev/a::rw", "/a:/b:rw:x"])("rejects %j", (text) => {
    expect(() => parseDevice(text, fail)).toThrow("a device host-path[:container-path][:permissions]");
  });
});

describe("restart", () => {
  it.each([
    ["no", "no"],
    ["unless-stopped", "unless-stopped"],
    ["on-failure", "on-failure"],
    ["on-failure:5", { policy: "on-failure", maxRetries: 5 }],
  ])("reads %s and writes it back", (text, restart) => {
    expect(parseRestart(text, fail)).toEqual(restart);
    expect(formatRestart(parseRestart(text, fail))).toBe(text);
  });

  it.each(["sometimes", "always:3", "on-failure:-1", "on-failure:"])("rejects %s", (text) => {
    expect(() => parseRestart(text, fail)).toThrow(
      "a restart policy: no, always, unless-stopped, on-failure or on-failure:<max retries>",
    );
  });
});
