/**
 * Which tags of an image are newer versions of the one in use: tags of the same shape (same `v`
 * prefix, same number of numeric parts, same suffix such as `-alpine`), compared part by part.
 */

/** A tag read as a version. */
export interface TagVersion {
  readonly tag: string;
  readonly parts: readonly number[];
  /** What the numbers are wrapped in: `v` prefix and suffix (`-alpine`, `-apache`). */
  readonly shape: string;
}

const VERSION = /^(v?)(\d+(?:\.\d+){0,3})(.*)$/;

export function parseTag(tag: string): TagVersion | undefined {
  const match = VERSION.exec(tag);
  if (!match) return undefined;
  const parts = match[2].split(".").map(Number);
  return { tag, parts, shape: `${match[1]}#${parts.length}#${match[3]}` };
}

export function compareVersions(a: TagVersion, b: TagVersion): number {
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const diff = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The newer tags of `current`'s shape, oldest first; empty when `current` is no version. */
export function newerTags(current: string, tags: readonly string[]): TagVersion[] {
  const now = parseTag(current);
  if (!now) return [];
  return tags
    .map(parseTag)
    .filter((t): t is TagVersion => t !== undefined && t.shape === now.shape && compareVersions(t, now) > 0)
    .sort(compareVersions);
}
