import { Address4 } from "ip-address";

/**
 * IPv4 maths for the LAN and Docker address pools. Parsing is `ip-address`'s; the few
 * operations we need on top (host n of a subnet, containment, overlap) are integer sums.
 */
export interface Ipv4Cidr {
  /** As written by the user, e.g. `192.168.1.0/24`. */
  readonly text: string;
  /** The network address as an integer. */
  readonly network: bigint;
  readonly prefixLength: number;
  /** Number of addresses in the block, network and broadcast included. */
  readonly size: bigint;
}

const CIDR_SHAPE = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const ADDRESS_SHAPE = /^(\d{1,3}\.){3}\d{1,3}$/;

/** Parses `a.b.c.d/n` where the address is the network address itself; undefined if not. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  if (!CIDR_SHAPE.test(text) || !Address4.isValid(text)) return undefined;
  const parsed = new Address4(text);
  const network = parsed.startAddress().bigInt();
  if (network !== parsed.bigInt()) return undefined;
  const prefixLength = parsed.subnetMask;
  return { text, network, prefixLength, size: 1n << BigInt(32 - prefixLength) };
}

/** Parses a dotted-quad IPv4 address into an integer; undefined if it is not one. */
export function parseAddress(text: string): bigint | undefined {
  if (!ADDRESS_SHAPE.test(text) || !Address4.isValid(text)) return undefined;
  return new Address4(text).bigInt();
}

export function formatAddress(value: bigint): string {
  return Address4.fromBigInt(value).address;
}

/** The usable host numbers of a subnet: 1 .. size-2 (network and broadcast excluded). */
export function hostRange(cidr: Ipv4Cidr): { readonly min: number; readonly max: number } {
  if (cidr.prefixLength >= 31) return { min: 0, max: Number(cidr.size) - 1 };
  return { min: 1, max: Number(cidr.size) - 2 };
}

/** Address of host number `host` in the subnet, like Terraform's `cidrhost()`. */
export function hostAddress(cidr: Ipv4Cidr, host: number): string {
  return formatAddress(cidr.network + BigInt(host));
}

/** Host number of `address` inside `cidr`, or undefined when it lies outside. */
export function hostNumber(cidr: Ipv4Cidr, address: bigint): number | undefined {
  const offset = address - cidr.network;
  return offset >= 0n && offset < cidr.size ? Number(offset) : undefined;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}
