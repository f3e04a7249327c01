import { IConstruct } from "constructs";

/** A reason must say why: at least this many characters. */
export const MIN_REASON_LENGTH = 10;

export interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
  /** Path of the construct the suppression was put on. */
  readonly path: string;
}

const suppressionsByConstruct = new WeakMap<IConstruct, Suppression[]>();

/**
 * Suppresses `ruleId` on `scope` and everything under it, for a stated reason (at least
 * {@link MIN_REASON_LENGTH} characters; a shorter one is itself reported as an error). Conflicts
 * between stacks cannot be suppressed.
 */
export function suppress(scope: IConstruct, ruleId: string, reason: string): void {
  const list = suppressionsByConstruct.get(scope) ?? [];
  list.push({ ruleId, reason, path: scope.node.path });
  suppressionsByConstruct.set(scope, list);
}

/** Suppressions on `construct` itself and on its scopes, nearest first. */
export function suppressionsFor(construct: IConstruct): Suppression[] {
  return construct.node.scopes
    .slice()
    .reverse()
    .flatMap((scope) => suppressionsByConstruct.get(scope) ?? []);
}

/** Every suppression under `root`, for the check of their reasons. */
export function allSuppressions(constructs: readonly IConstruct[]): Suppression[] {
  return constructs.flatMap((c) => suppressionsByConstruct.get(c) ?? []);
}
