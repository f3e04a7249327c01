import { Token } from "cdktf";
import { invalid } from "./errors";

/**
 * An inclusive range of whole numbers. The same bounds feed the synth-time check on a prop and
 * the `validation` block of the Terraform variable that can override it, so both refuse alike.
 */
export interface IntegerBounds {
  readonly min: number;
  readonly max?: number;
}

export function describeBounds(bounds: IntegerBounds): string {
  return bounds.max === undefined
    ? `a whole number >= ${bounds.min}`
    : `a whole number from ${bounds.min} to ${bounds.max}`;
}

/** Throws unless `value` is a whole number within `bounds`; unresolved tokens pass (Terraform checks them). */
export function checkInteger(path: string, key: string, value: number, bounds: IntegerBounds): number {
  if (Token.isUnresolved(value)) return value;
  const inRange = value >= bounds.min && (bounds.max === undefined || value <= bounds.max);
  if (!Number.isInteger(value) || !inRange) invalid({ path, key, value, allowed: `expected ${describeBounds(bounds)}` });
  return value;
}

/** The same test as {@link checkInteger}, as a Terraform condition on `expression`. */
export function integerCondition(expression: string, bounds: IntegerBounds): string {
  const parts = [`floor(${expression}) == ${expression}`, `${expression} >= ${bounds.min}`];
  if (bounds.max !== undefined) parts.push(`${expression} <= ${bounds.max}`);
  return parts.join(" && ");
}
