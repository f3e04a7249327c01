import { spawnSync } from "child_process";
import { TerraformElement, Tokenization } from "cdktf";
import { Construct } from "constructs";

/**
 * `cdktf synth --hcl` renders provisioner arguments and attribute overrides without type
 * information (cdktf 0.21): a multi-line string becomes a quoted string with raw line breaks and a
 * null inside a list or object makes the renderer throw. The JSON output is right; these fix-ups
 * give the HCL renderer typed strings (written as heredocs) and `${null}` (a template whose value
 * is null) in those two places, so the HCL means the same as the JSON.
 */
export function makeHclRenderable(scope: Construct): void {
  for (const element of scope.node.findAll().filter(TerraformElement.isTerraformElement)) {
    if (patched.has(element)) continue;
    patched.add(element);
    const render = element.toHclTerraform.bind(element);
    element.toHclTerraform = () => fixFragment(render());
  }
}

const patched = new WeakSet<TerraformElement>();

/**
 * cdktf writes HCL without indentation; `terraform fmt -` gives it Terraform's canonical layout.
 * Where terraform is not installed the HCL stays as cdktf wrote it. A syntax error is our bug: throw.
 */
export function formatHcl(hcl: string): string {
  const fmt = spawnSync("terraform", ["fmt", "-no-color", "-"], { input: hcl, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if ((fmt.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return hcl;
  if (fmt.error !== undefined) throw fmt.error;
  if (fmt.status !== 0) throw new Error(`the synthesized HCL does not parse (terraform fmt): ${fmt.stderr.trim()}`);
  return fmt.stdout;
}

type Fragment = Record<string, any>;

function fixFragment(fragment: Fragment): Fragment {
  for (const kind of ["resource", "data"]) {
    for (const byName of Object.values<Record<string, Fragment>>(fragment[kind] ?? {})) {
      for (const attributes of Object.values(byName)) fixAttributes(attributes);
    }
  }
  return fragment;
}

function fixAttributes(attributes: Fragment): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "provisioner" && Array.isArray(value)) value.forEach(fixProvisioner);
    else if (name !== "//" && isPlain(value) && !("value" in value)) attributes[name] = nestedNullsAsExpressions(value);
    else if (Array.isArray(value)) attributes[name] = nestedNullsAsExpressions(value);
  }
}

/** `{ "local-exec": { value: { command, ... } } }`: multi-line strings become typed (heredocs). */
function fixProvisioner(provisioner: Fragment): void {
  for (const block of Object.values<Fragment>(provisioner)) {
    const args: Fragment = block.value ?? block;
    for (const [name, value] of Object.entries(args)) {
      if (typeof value === "string" && value.includes("\n") && !Tokenization.isResolvable(value)) {
        args[name] = { value, type: "simple", storageClassType: "string" };
      }
    }
  }
}

function nestedNullsAsExpressions(value: unknown): unknown {
  if (value === null) return "${null}";
  if (Array.isArray(value)) return value.map(nestedNullsAsExpressions);
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nestedNullsAsExpressions(v)]));
  return value;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
