import * as fs from "fs";
import * as path from "path";

/**
 * The data files the tests check our output against, kept in the repository with their sources
 * noted beside them: provider schemas and JSON schemas under lib/schemas/.
 */
export const SCHEMAS_DIR = path.resolve(__dirname, "..", "..", "lib", "schemas");

export function schemaFile(...parts: string[]): string {
  const file = path.join(SCHEMAS_DIR, ...parts);
  if (!fs.existsSync(file)) throw new Error(`missing ${file}: lib/schemas/ travels with the repository`);
  return file;
}

export function readSchemaJson(...parts: string[]): any {
  return JSON.parse(fs.readFileSync(schemaFile(...parts), "utf8"));
}
