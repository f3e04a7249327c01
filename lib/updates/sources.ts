/**
 * Where the code names images: string literals after `image:` (a service spec) or assigned to an
 * `..._IMAGE` constant. These are what `dockhost updates` reads and `--pin` rewrites.
 */
import * as fs from "fs";
import { ImageReference, parseImageReference } from "../compose/image-reference";

/** One image literal in a source file. */
export interface ImageLiteral {
  readonly file: string;
  readonly line: number;
  /** The literal as written. */
  readonly image: string;
  readonly ref: ImageReference;
}

const IMAGE_LITERAL = /((?:\bimage\s*:|_IMAGE\s*=)\s*)"([^"\s$]+)"/g;

export function findImageLiterals(file: string, text: string = fs.readFileSync(file, "utf8")): ImageLiteral[] {
  const found: ImageLiteral[] = [];
  for (const match of text.matchAll(IMAGE_LITERAL)) {
    try {
      const ref = parseImageReference(match[2]);
      found.push({ file, line: text.slice(0, match.index).split("\n").length, image: match[2], ref });
    } catch {
      // Not an image reference after all (a template, a placeholder): not ours to update.
    }
  }
  return found;
}

/** The reference without tag and digest: `[registry/]repository`. */
export function imageName(ref: ImageReference): string {
  return ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
}

/** Rewrites every `"from"` image literal of `file` to `"to"`; returns how many it replaced. */
export function replaceImageLiteral(file: string, from: string, to: string): number {
  let count = 0;
  const text = fs.readFileSync(file, "utf8").replace(IMAGE_LITERAL, (whole, lead: string, image: string) => {
    if (image !== from) return whole;
    count++;
    return `${lead}"${to}"`;
  });
  if (count > 0) fs.writeFileSync(file, text);
  return count;
}
