import * as fs from "fs";
import * as path from "path";

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** The package's folder (the repository in development, the installed package otherwise). */
  readonly root: string;
  readonly manifest: Record<string, any>;
}

let cached: PackageInfo | undefined;

/**
 * This package's package.json. It sits two folders up from lib/cli in the repository and three
 * from dist/lib/cli once built (or in a bundle elsewhere), so walk up to the first one named dockhost.
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
      if (manifest.name === "dockhost") return (cached = { name: manifest.name, version: manifest.version, root: dir, manifest });
    }
    if (path.dirname(dir) === dir) throw new Error(`the dockhost package.json was not found above ${__dirname}`);
  }
}
