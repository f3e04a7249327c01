/**
 * `dockhost import FILE`: converts a compose file into TypeScript that builds the same stack with
 * `new ComposeStack(...)`, so a migration ends in code the user owns. The file is read now, as
 * `ComposeStack.fromFile` would read it (`.env` beside it, env_file, uploaded config files,
 * profiles); the generated code reads nothing at synth. Literal secrets (what DH-SECRET-LITERAL
 * flags) become `Secret`s: sensitive Terraform variables with no default, whose values go to a
 * git-ignored tfvars file written beside the code, never into the code or the JSON.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { DockhostInputError, DockhostInputErrors } from "../../errors";
import { parseComposeYaml } from "../../compose/import";
import { ServiceSpec } from "../../compose/service";
import { isSecretLiteral } from "../../policy/rules/secret-literal";
import { CliCommand, CliIo } from "../command";

const USAGE = `Usage: dockhost import FILE [--out DIR] [--name STACK] [--profile NAME]... [--var NAME=VALUE]... [--from MODULE]

Converts a docker-compose file into TypeScript for a ComposeStack.
  --out DIR        where <stack>.ts and <stack>.secrets.tfvars are written (default: the current folder)
  --name STACK     stack name (default: the file's top-level name, else the file name)
  --profile NAME   an active compose profile (repeatable)
  --var NAME=VALUE a value for \${NAME} in the file (repeatable); .env beside the file is read too
  --from MODULE    module the code imports Dockhost from (default: dockhost)`;

/** What the command was asked. */
interface ImportArgs {
  readonly file: string;
  readonly out: string;
  readonly name?: string;
  readonly profiles: string[];
  readonly variables: Record<string, string>;
  readonly from: string;
}

/** A secret found in the file: where it goes and its Terraform variable. */
interface FoundSecret {
  readonly service: string;
  readonly variable: string;
  readonly id: string;
  readonly value: string;
}

const SECRET_ID = /[^a-z0-9_]/g;

export const command: CliCommand = {
  name: "import",
  summary: "Convert a docker-compose file into TypeScript for a ComposeStack",
  usage: USAGE,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseArgs(argv, io);
    if (args === undefined) {
      io.err(USAGE);
      return 2;
    }
    try {
      const written = importCompose(args);
      written.warnings.forEach((warning) => io.err(`warning: ${warning}`));
      io.out(`wrote ${written.code}`);
      if (written.tfvars !== undefined) io.out(`wrote ${written.tfvars} (secret values; git-ignored, pass it with -var-file)`);
      return 0;
    } catch (error) {
      if (!(error instanceof DockhostInputError)) throw error;
      const problems = error instanceof DockhostInputErrors ? error.problems : [error];
      io.err(`${args.file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing written`);
      problems.forEach((problem) => io.err(`- ${problem.message}`));
      return 1;
    }
  },
};

function parseArgs(argv: readonly string[], io: CliIo): ImportArgs | undefined {
  const rest = [...argv];
  const result = { out: io.cwd, profiles: [] as string[], variables: {} as Record<string, string>, from: "dockhost" } as { -readonly [K in keyof ImportArgs]: ImportArgs[K] };
  while (rest.length > 0) {
    const arg = rest.shift()!;
    const value = () => rest.shift();
    if (arg === "--out") result.out = path.resolve(io.cwd, value() ?? "");
    else if (arg === "--name") result.name = value();
    else if (arg === "--profile") result.profiles.push(value() ?? "");
    else if (arg === "--from") result.from = value() ?? "";
    else if (arg === "--var") {
      const pair = value() ?? "";
      const equals = pair.indexOf("=");
      if (equals <= 0) return undefined;
      result.variables[pair.slice(0, equals)] = pair.slice(equals + 1);
    } else if (arg.startsWith("--") || result.file !== undefined) return undefined;
    else result.file = path.resolve(io.cwd, arg);
  }
  return result.file === undefined ? undefined : result;
}

/** Reads the file, writes the code (and the secrets' tfvars); throws every problem of the file at once. */
export function importCompose(args: ImportArgs): { code: string; tfvars?: string; warnings: readonly string[] } {
  const baseDir = path.dirname(args.file);
  const dotenv = path.join(baseDir, ".env");
  const variables = { ...(fs.existsSync(dotenv) ? parseDotenv(fs.readFileSync(dotenv, "utf8")) : {}), ...args.variables };
  const fallbackName = path.basename(args.file).replace(/\.(ya?ml)$/, "").toLowerCase().replace(/[^a-z0-9_-]/g, "-");
  const imported = parseComposeYaml(fs.readFileSync(args.file, "utf8"), { source: args.file, variables, baseDir, profiles: args.profiles, projectName: args.name ?? fallbackName });
  const stackName = args.name ?? imported.name ?? fallbackName;
  const secrets: FoundSecret[] = [];
  const services = Object.fromEntries(
    Object.entries(imported.spec.services).map(([service, spec]) => {
      const environment: Record<string, string> = {};
      for (const [variable, value] of Object.entries(spec.environment ?? {})) {
        if (isSecretLiteral(variable, value)) secrets.push({ service, variable, id: `${stackName}_${service}_${variable}`.toLowerCase().replace(SECRET_ID, "_").slice(0, 64), value });
        else environment[variable] = value;
      }
      const props: Record<string, unknown> = { ...spec, environment: Object.keys(environment).length > 0 ? environment : undefined, files: imported.files[service] };
      if (spec.build !== undefined) props.build = { ...spec.build, context: path.relative(args.out, spec.build.context) || "." };
      return [service, props];
    }),
  );
  fs.mkdirSync(args.out, { recursive: true });
  const code = path.join(args.out, `${stackName}.ts`);
  fs.writeFileSync(code, render(stackName, services, imported.spec, secrets, args));
  if (secrets.length === 0) return { code, warnings: imported.warnings };
  const tfvars = path.join(args.out, `${stackName}.secrets.tfvars`);
  fs.writeFileSync(tfvars, secrets.map((s) => `${s.id} = ${JSON.stringify(s.value).replaceAll("${", "$${").replaceAll("%{", "%%{")}\n`).join(""), { mode: 0o600 });
  const gitignore = path.join(args.out, ".gitignore");
  const ignored = fs.existsSync(gitignore) ? fs.readFileSync(gitignore, "utf8") : "";
  if (!ignored.split("\n").includes("*.secrets.tfvars")) fs.writeFileSync(gitignore, `${ignored}${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}*.secrets.tfvars\n`);
  return { code, tfvars, warnings: imported.warnings };
}

/** Placeholder strings in the JSON that become code. */
const SECRET_REF = (i: number) => `__dockhost_secret_${i}__`;
const BUILD_REF = (context: string) => `__dockhost_context__${context}__`;

function render(stackName: string, services: Record<string, Record<string, unknown>>, spec: { volumes?: unknown; networks?: unknown }, secrets: readonly FoundSecret[], args: ImportArgs): string {
  const withSecrets = Object.fromEntries(
    Object.entries(services).map(([service, props]) => {
      const own = secrets.map((s, i) => [s, i] as const).filter(([s]) => s.service === service);
      const build = props.build as ServiceSpec["build"];
      return [service, { ...props, build: build && { ...build, context: BUILD_REF(build.context) }, secrets: own.length > 0 ? Object.fromEntries(own.map(([s, i]) => [s.variable, SECRET_REF(i)])) : undefined }];
    }),
  );
  const body = code({ engine: "__dockhost_engine__", stackName, services: withSecrets, volumes: spec.volumes, networks: spec.networks })
    .replace('"__dockhost_engine__"', "engine")
    .replace(/"__dockhost_secret_(\d+)__"/g, (_, i) => `secrets.${secrets[Number(i)].id}`)
    .replace(/"__dockhost_context__(.*?)__"/g, (_, context) => `path.resolve(__dirname, ${JSON.stringify(context)})`);
  const camel = stackName.replace(/[-_]+(.)/g, (_, c: string) => c.toUpperCase());
  const usesBuild = body.includes("path.resolve(__dirname");
  return [
    `// Generated by \`dockhost import ${path.basename(args.file)}\`: this code is now the source of truth for the stack.`,
    ...(secrets.length > 0 ? [`// Secret values are in ${stackName}.secrets.tfvars (git-ignored): pass it to terraform with -var-file.`] : []),
    ...(usesBuild ? [`import * as path from "path";`] : []),
    `import { Construct } from "constructs";`,
    `import { ComposeStack, DockerEngine${secrets.length > 0 ? ", Secret" : ""} } from ${JSON.stringify(args.from)};`,
    "",
    `/** The ${stackName} stack, imported from ${path.basename(args.file)}. */`,
    `export function ${camel}Stack(scope: Construct, engine: DockerEngine): ComposeStack {`,
    ...(secrets.length > 0
      ? [`  const secrets = {`, ...secrets.map((s) => `    ${s.id}: new Secret(scope, ${JSON.stringify(s.id)}, { description: ${JSON.stringify(`${s.variable} of ${stackName}/${s.service}`)} }),`), `  };`]
      : []),
    `  return new ComposeStack(scope, ${JSON.stringify(stackName)}, ${body.split("\n").join("\n  ")});`,
    `}`,
    "",
  ].join("\n");
}

/** JSON with identifier keys unquoted and undefined left out: a readable TypeScript literal. */
function code(value: unknown): string {
  return JSON.stringify(value, undefined, 2).replace(/^(\s*)"([A-Za-z_$][\w$]*)":/gm, "$1$2:");
}
