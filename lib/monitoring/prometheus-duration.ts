/**
 * Durations as Prometheus reads them in prometheus.yml and rule files (`15s`, `1h30m`, `5d`): the
 * grammar of `model.ParseDuration` in prometheus/common. Unlike Docker's (`lib/compose/duration.ts`)
 * they take whole numbers only, know days, weeks and years, and have no `us` or `ns`.
 */
import { invalid } from "../errors";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Each unit at most once, largest first, with its length in milliseconds (a year is 365 days). */
const UNITS: readonly (readonly [unit: string, milliseconds: number])[] = [
  ["y", 365 * DAY_MS],
  ["w", 7 * DAY_MS],
  ["d", DAY_MS],
  ["h", HOUR_MS],
  ["m", MINUTE_MS],
  ["s", SECOND_MS],
  ["ms", 1],
];
const DURATION = new RegExp(`^${UNITS.map(([unit]) => `(?:(\\d+)${unit})?`).join("")}$`);

/** Prometheus keeps durations as int64 nanoseconds and calls longer ones (about 292 years) out of range. */
const MAX_MILLISECONDS = 9_223_372_036_854;

/** Milliseconds of a Prometheus duration such as `"1h30m"`, or undefined when Prometheus would refuse it. */
export function parsePrometheusDuration(text: string): number | undefined {
  // The one duration Prometheus accepts without a unit.
  if (text === "0") return 0;
  const match = text === "" ? null : DURATION.exec(text);
  if (match === null) return undefined;
  const milliseconds = UNITS.reduce((sum, [, length], i) => sum + Number(match[i + 1] ?? 0) * length, 0);
  return milliseconds <= MAX_MILLISECONDS ? milliseconds : undefined;
}

/** True for a duration Prometheus accepts, such as `"15s"`, `"1h30m"` or `"5d"`; false for `"1.5h"` or `"10"`. */
export function isPrometheusDuration(text: string): boolean {
  return parsePrometheusDuration(text) !== undefined;
}

/**
 * Throws unless `text` is a Prometheus duration greater than zero: an interval. Prometheus reads a
 * zero interval as "use the default", which is never what someone who wrote 0s meant.
 */
export function checkPrometheusInterval(path: string, key: string, text: string): void {
  const milliseconds = parsePrometheusDuration(text);
  if (milliseconds === undefined || milliseconds === 0) {
    invalid({
      path,
      key,
      value: text,
      allowed: "a Prometheus duration greater than zero, such as 15s, 1m or 1h30m (whole numbers; units y w d h m s ms, largest first)",
    });
  }
}
