import * as fs from "fs";
import * as path from "path";

/**
 * Folder of the host files and templates that are rendered into the VM's user-data. Found by
 * walking up from this module, so it is the same folder whether the code runs from the sources,
 * from compiled JavaScript (dist/lib) or from the app bundle in cdktf.out.
 */
export const CLOUD_INIT_DIR = findCloudInitDir(__dirname);

function findCloudInitDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "cloud-init");
    if (fs.existsSync(path.join(candidate, "host-setup.sh"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no cloud-init/ folder above ${start}`);
  }
}

const cache = new Map<string, string>();
const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

/**
 * Fills the `{{NAME}}` placeholders of a file from cloud-init/. A placeholder without a value, or a
 * value no placeholder uses, is a programming error and throws: templates and code stay in step.
 * Values must already be validated by the caller (they land in shell scripts and unit files).
 */
export function renderHostTemplate(name: string, values: Record<string, string | number>): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(CLOUD_INIT_DIR, name), "utf8");
    cache.set(name, text);
  }
  const used = new Set<string>();
  const rendered = text.replace(PLACEHOLDER, (_, key: string) => {
    if (!(key in values)) throw new Error(`cloud-init/${name}: no value for {{${key}}}`);
    used.add(key);
    return String(values[key]);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`cloud-init/${name}: values ${unused.join(", ")} are not used by the template`);
  return rendered;
}
