/**
 * The README's restore commands are rendered from the constructs of the reference homelab (volume
 * names, archive paths, VM ids, storage), so they cannot drift from what is deployed. After a
 * change, regenerate them with `DOCKHOST_UPDATE_README=1 npx jest __tests__/restore-docs.test.ts`.
 */
import * as fs from "fs";
import * as path from "path";
import { buildReferenceHomelab } from "../main";
import { testApp } from "./support/synth";

const README = path.resolve(__dirname, "..", "README.md");

/** Replaces the fenced block between `<!-- begin NAME -->` and `<!-- end NAME -->` with `lines`. */
function withBlock(readme: string, name: string, lines: readonly string[]): string {
  const pattern = new RegExp(`(<!-- begin ${name} -->\\n)[\\s\\S]*?(<!-- end ${name} -->)`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- begin ${name} --> ... <!-- end ${name} --> markers`);
  return readme.replace(pattern, (_, begin: string, end: string) => `${begin}\`\`\`sh\n${lines.join("\n")}\n\`\`\`\n${end}`);
}

test("the README's restore commands are the ones the reference homelab's constructs render", () => {
  // The reference homelab reads its volume backup target from the environment: the default here.
  delete process.env.DOCKHOST_BACKUP_NFS;
  const homelab = buildReferenceHomelab(testApp());
  const readme = fs.readFileSync(README, "utf8");
  const rendered = [
    ["restore-volume", homelab.volumeBackup.restoreCommands(homelab.appStack, "db-data")],
    ["restore-vm", homelab.vmBackup.restoreCommands(0)],
  ].reduce((text, [name, lines]) => withBlock(text, name as string, lines as string[]), readme);
  if (process.env.DOCKHOST_UPDATE_README) fs.writeFileSync(README, rendered);
  expect(readme).toBe(rendered);
});
