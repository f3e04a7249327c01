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
