import { invalid } from "./errors";
import { cidrsOverlap, hostAddress, Ipv4Cidr, parseCidr } from "./ipv4";

/** A pool Docker carves network subnets from (`default-address-pools` in daemon.json). */
export interface AddressPool {
  /** The pool, in CIDR notation, e.g. `172.30.0.0/16`. */
  readonly base: string;
  /** Prefix length of each network taken from the pool, e.g. 24. */
  readonly size: number;
}

/**
 * Docker's own default pools include 192.168.0.0/16, which collides with most home LANs: a stack
 * network on the LAN's subnet cuts the host off from it. We default to one pool well outside.
 */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [{ base: "172.30.0.0/16", size: 24 }];

/** Port of the engine's Prometheus endpoint (`metrics-addr`), the one Docker's documentation uses. */
export const ENGINE_METRICS_PORT = 9323;

/**
 * The address of docker0, the default bridge, on the VM: where containers reach services of the
 * host itself (Docker's `host-gateway`). With no `bip` in daemon.json, Docker gives docker0 the
 * first free subnet of the default address pools (the first one, on a fresh host), and takes host
 * 1 of it. We do not pin `bip`: next to default-address-pools it can keep dockerd from starting
 * (moby/moby#46098). The address is not routed on the LAN, so binding to it keeps a listener
 * off the LAN. The pools must have been checked first (valid, no overlaps).
 */
export function defaultBridgeAddress(pools: readonly AddressPool[]): string {
  const pool = parseCidr(pools[0].base)!;
  return hostAddress(pool, 1);
}

export interface DaemonSettings {
  readonly logMaxSize: string;
  readonly logMaxFiles: number;
  readonly liveRestore: boolean;
  readonly addressPools: readonly AddressPool[];
  /** `host:port` of the engine's Prometheus endpoint, or undefined for none. */
  readonly metricsAddress?: string;
}

/** `/etc/docker/daemon.json`, rendered from typed settings. */
export function daemonJson(settings: DaemonSettings): string {
  const config = {
    "log-driver": "json-file",
    "log-opts": { "max-size": settings.logMaxSize, "max-file": String(settings.logMaxFiles) },
    "live-restore": settings.liveRestore,
    "default-address-pools": settings.addressPools.map((p) => ({ base: p.base, size: p.size })),
    ...(settings.metricsAddress && { "metrics-addr": settings.metricsAddress }),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Docker's size syntax for log-opts max-size: a number and a unit k, m or g. */
export const LOG_SIZE_PATTERN = /^[1-9][0-9]*[kmg]$/;

/** Throws unless every pool is a valid CIDR, its size fits, and no pool overlaps the LAN or another pool. */
export function checkAddressPools(path: string, pools: readonly AddressPool[], lan: Ipv4Cidr): void {
  if (pools.length === 0) invalid({ path, key: "addressPools", value: pools, allowed: "expected at least one pool" });
  const parsed = pools.map((pool, i) => {
    const cidr = parseCidr(pool.base) ?? invalid({ path, key: `addressPools[${i}].base`, value: pool.base, allowed: "expected an IPv4 network in CIDR notation, such as 172.30.0.0/16" });
    if (!Number.isInteger(pool.size) || pool.size < cidr.prefixLength || pool.size > 30) {
      invalid({ path, key: `addressPools[${i}].size`, value: pool.size, allowed: `expected a prefix length from ${cidr.prefixLength} (the pool's own) to 30` });
    }
    if (cidrsOverlap(cidr, lan)) {
      invalid({ path, key: `addressPools[${i}].base`, value: pool.base, allowed: `must not overlap the LAN ${lan.text}: Docker networks there would cut the host off from the LAN` });
    }
    return cidr;
  });
  parsed.forEach((a, i) =>
    parsed.slice(i + 1).forEach((b, j) => {
      if (cidrsOverlap(a, b)) invalid({ path, key: `addressPools[${i + j + 1}].base`, value: b.text, allowed: `must not overlap addressPools[${i}] (${a.text})` });
    }),
  );
}
