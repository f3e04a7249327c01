/**
 * Memory sizes as compose and Docker write them (`512m`, `1g`, `1.5gb`, a byte count), converted to
 * MiB, the unit of `ServiceSpec.memoryLimitMb`.
 */

const BYTES_PER_MIB = 1024 * 1024;
/** Docker's suffixes are binary: `k` is 1024 bytes, `m` is 1024 k, and so on. */
const UNIT_EXPONENT: Readonly<Record<string, number>> = { "": 0, b: 0, k: 1, m: 2, g: 3, t: 4, p: 5 };
/** A number, an optional space, then `b`, or a unit letter optionally followed by `b` or `ib`. */
const MEMORY = /^(\d+(?:\.\d+)?) ?(?:([kmgtp])(?:i?b)?|(b))?$/i;

/**
 * Converts a memory size to MiB: a number is a byte count, a string may carry a unit
 * (`"512m"` is 512, `"1.5gb"` is 1536). Returns undefined for anything else. The result may have a
 * fraction (`"100k"`); deciding whether that is acceptable is the caller's business.
 */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value / BYTES_PER_MIB : undefined;
  const match = MEMORY.exec(value.trim());
  if (match === null) return undefined;
  const [, amount, unit = "", bytesSuffix = ""] = match;
  const exponent = UNIT_EXPONENT[(unit || bytesSuffix).toLowerCase()];
  return (Number(amount) * 1024 ** exponent) / BYTES_PER_MIB;
}
