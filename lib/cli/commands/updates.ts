/**
 * `dockhost updates`: the newer tags of every image the code names, from the registries' own
 * APIs (Docker Hub, ghcr.io, quay.io, any registry v2), and `--pin` to write `name:tag@digest`
 * back into the code. Databases are never moved to a new major version without `--allow-major`:
 * their data files need a dump and restore (or pg_upgrade) across majors.
 */
import * as fs from "fs";
import * as path from "path";
import { isDatabaseImage } from "../../images";
import { CliCommand, CliIo } from "../command";
import { RegistryClient, registryRepository } from "../../updates/registry";
import { findImageLiterals, ImageLiteral, imageName, replaceImageLiteral } from "../../updates/sources";
import { newerTags, parseTag, TagVersion } from "../../updates/versions";

/** Files searched when none are named: the homelab and the constructs it builds on. */
const DEFAULT_SOURCES = ["main.ts", "constructs"];

const USAGE = `dockhost updates [--pin] [--bump] [--allow-major] [file or folder ...]

Lists, for every image named in the code (image: "..." and *_IMAGE = "..."), the newer tags of
the same shape (16.4-alpine -> 16.6-alpine) and which one an update would take.

  --pin          write name:tag@sha256:<digest> in place of each image (the tag in use)
  --bump         with --pin: move to the newest allowed tag first
  --allow-major  let databases (postgres, mariadb, redis, ...) move to a new major version
                 (dump and restore first: their data files do not carry across)

Default files: ${DEFAULT_SOURCES.join(", ")}.`;

interface Options {
  readonly pin: boolean;
  readonly bump: boolean;
  readonly allowMajor: boolean;
  readonly sources: readonly string[];
}

function parseArgs(args: readonly string[]): Options | string {
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const unknown = [...flags].filter((f) => !["--pin", "--bump", "--allow-major"].includes(f));
  if (unknown.length > 0) return `unknown option ${unknown[0]}`;
  if (flags.has("--bump") && !flags.has("--pin")) return "--bump needs --pin (it rewrites the code)";
  const sources = args.filter((a) => !a.startsWith("--"));
  return { pin: flags.has("--pin"), bump: flags.has("--bump"), allowMajor: flags.has("--allow-major"), sources: sources.length > 0 ? sources : DEFAULT_SOURCES };
}

function sourceFiles(cwd: string, sources: readonly string[]): string[] {
  return sources.flatMap((source) => {
    const full = path.resolve(cwd, source);
    if (!fs.existsSync(full)) return [];
    if (!fs.statSync(full).isDirectory()) return [full];
    return fs.readdirSync(full).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort().map((f) => path.join(full, f));
  });
}

/** What an update of one image would do. */
export interface ImageUpdate {
  readonly image: string;
  readonly newer: readonly string[];
  /** The tag an update takes; undefined when none is allowed. */
  readonly target?: string;
  /** Newer majors a database may not take without --allow-major. */
  readonly held: readonly string[];
}

/** The update of one image, given the registry's tags. */
export function planUpdate(literal: ImageLiteral, tags: readonly string[], allowMajor: boolean): ImageUpdate {
  const current = literal.ref.tag ?? "";
  const newer = newerTags(current, tags);
  const major = parseTag(current)?.parts[0];
  const database = isDatabaseImage(literal.image);
  const crossesMajor = (t: TagVersion) => t.parts[0] !== major;
  const allowed = database && !allowMajor ? newer.filter((t) => !crossesMajor(t)) : newer;
  const held = database && !allowMajor ? newer.filter(crossesMajor).map((t) => t.tag) : [];
  return { image: literal.image, newer: newer.map((t) => t.tag), target: allowed.at(-1)?.tag, held };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === "string") {
    io.err(`dockhost updates: ${options}\n\n${USAGE}`);
    return 2;
  }
  const literals = sourceFiles(io.cwd, options.sources).flatMap((file) => findImageLiterals(file));
  if (literals.length === 0) {
    io.err(`dockhost updates: no image named in ${options.sources.join(", ")}`);
    return 1;
  }
  const client = new RegistryClient();
  const byImage = new Map<string, ImageLiteral[]>();
  literals.forEach((l) => byImage.set(l.image, [...(byImage.get(l.image) ?? []), l]));
  let failed = 0;
  for (const [image, uses] of byImage) {
    const { ref } = uses[0];
    const where = uses.map((u) => `${path.relative(io.cwd, u.file)}:${u.line}`).join(", ");
    try {
      if (ref.tag === undefined) {
        io.out(`${image} (${where}): no tag; name a version first`);
        continue;
      }
      const repo = registryRepository(ref);
      const update = planUpdate(uses[0], await client.tags(repo), options.allowMajor);
      const newer = update.newer.length > 0 ? `newer: ${update.newer.join(", ")}` : "up to date";
      io.out(`${image} (${where}): ${newer}${update.target ? `; update to ${update.target}` : ""}`);
      if (update.held.length > 0) io.out(`  held: ${update.held.join(", ")}: a new major version of a database; --allow-major after a dump (dockhost restore docs)`);
      if (options.pin) {
        const tag = options.bump && update.target ? update.target : ref.tag;
        const pinned = `${imageName(ref)}:${tag}@${await client.digest(repo, tag)}`;
        if (pinned !== image) {
          const files = [...new Set(uses.map((u) => u.file))];
          files.forEach((file) => replaceImageLiteral(file, image, pinned));
          io.out(`  pinned: ${pinned}`);
        }
      }
    } catch (error) {
      failed++;
      io.err(`${image} (${where}): ${(error as Error).message}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

export const command: CliCommand = { name: "updates", summary: "list newer image tags from the registries; --pin writes name:tag@digest into the code", usage: USAGE, run };
