import * as fs from "fs";
import * as path from "path";

/**
 * The read-only shared/ folder beside the repo (CI puts a copy of it there): provider schemas
 * and JSON schemas the tests check our output against. DOCKHOST_SHARED_DIR overrides it.
 */
export const SHARED_DIR = process.env.DOCKHOST_SHARED_DIR ?? path.resolve(__dirname, "..", "..", "..", "shared");

export function sharedFile(...parts: string[]): string {
  const file = path.join(SHARED_DIR, ...parts);
  if (!fs.existsSync(file)) throw new Error(`missing ${file}: the tests need the shared/ folder beside the repo (or DOCKHOST_SHARED_DIR)`);
  return file;
}

export function readSharedJson(...parts: string[]): any {
  return JSON.parse(fs.readFileSync(sharedFile(...parts), "utf8"));
}
