/**
 * Durations as compose writes them (`10s`, `1m30s`, `500ms`): the strings Docker passes to Go's
 * `time.ParseDuration`.
 */

const NUMBER = String.raw`\d+(?:\.\d+)?`;
/** Largest unit first, each at most once: what both Go and docker-compose 1.29 accept. */
const UNITS_IN_ORDER = ["h", "m", "s", "ms", "(?:us|µs)", "ns"];
const DURATION = new RegExp(`^${UNITS_IN_ORDER.map((unit) => `(?:${NUMBER}${unit})?`).join("")}$`);

/** True for a duration such as `"10s"`, `"1m30s"` or `"1.5h"`; false for a bare number or other text. */
export function isDuration(text: string): boolean {
  return text.length > 0 && DURATION.test(text);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** Whole seconds of a duration that {@link isDuration} accepts, rounded up (Docker's stop timeout is in seconds). */
export function durationSeconds(text: string): number {
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) seconds += Number(value) * UNIT_SECONDS[unit];
  return Math.ceil(seconds - 1e-9);
}
