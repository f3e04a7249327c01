/**
 * Whether two published ports claim the same host socket. One stack's constructor and the
 * cross-stack policy rule both ask this question, so it is decided here only.
 */
import { isIPv4, isIPv6 } from "node:net";
import { DEFAULT_PORT_PROTOCOL, PortSpec, ServiceSpec } from "./service";

/** Addresses that bind every address of one IP family. */
const WILDCARD_FAMILY: ReadonlyMap<string, (ip: string) => boolean> = new Map([
  ["0.0.0.0", isIPv4],
  ["::", isIPv6],
]);

/**
 * True when both ports publish the same host port and protocol on addresses that overlap: the
 * same address, or a wildcard (no hostIp, `0.0.0.0`, `::`) that covers the other. Docker fails
 * to start the second container in that case. Ephemeral host ports never clash.
 */
export function portBindingsOverlap(a: PortSpec, b: PortSpec): boolean {
  if (a.hostPort === undefined || a.hostPort !== b.hostPort) return false;
  if ((a.protocol ?? DEFAULT_PORT_PROTOCOL) !== (b.protocol ?? DEFAULT_PORT_PROTOCOL)) return false;
  return addressesOverlap(a.hostIp, b.hostIp);
}

function addressesOverlap(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  return WILDCARD_FAMILY.get(a)?.(b) === true || WILDCARD_FAMILY.get(b)?.(a) === true;
}

/**
 * Container ports a service offers to others: its `expose` list, then the container side of its
 * published `ports`. A route or a scrape target must name one of them.
 */
export function offeredPorts(service: Pick<ServiceSpec, "expose" | "ports">): number[] {
  return [...(service.expose ?? []), ...(service.ports ?? []).map((p) => p.containerPort)];
}
