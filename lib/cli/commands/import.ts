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
import { DockhostInputError, DockhostInputErrors } from "../../errors";
import { parseComposeYaml, projectVariables } from "../../compose/import";
import { dependencyConditions, ServiceSpec, StackSpec } from "../../compose/service";
import { isSecretLiteral } from "../../policy/rules/secret-literal";
import { Construct } from "constructs";
import { HOMELAB_RULES } from "../../policy/rules";
import { PolicyService, ServiceSubject } from "../../policy/types";
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
  summary: "convert a docker-compose file into TypeScript for a ComposeStack",
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
      written.policy.forEach((finding) => io.err(finding));
      io.out(`wrote ${written.code}`);
      if (written.tfvars !== undefined) io.out(`wrote ${written.tfvars} (secret values; git-ignored, pass it with -var-file)`);
      if (written.policy.length > 0) io.out(`${written.policy.length} policy finding${written.policy.length === 1 ? "" : "s"} to settle in the code before deploying (listed above)`);
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

/** A Terraform variable the code declares: a `${NAME}` of the file, or a literal secret. */
interface CodeVariable {
  /** Terraform variable name (and construct id). */
  readonly id: string;
  readonly value: string;
  readonly secret: boolean;
  readonly description: string;
}

/** Marks where a variable's value lands, so the code can reference the variable there. */
const marker = (name: string) => `\u0001${name}\u0001`;
const MARKERS = /\u0001([A-Za-z_][A-Za-z0-9_]*)\u0001/g;
/** Where a variable may stay a reference: free text that no check reads. */
const TEXT_KEYS = new Set(["environment", "labels", "command", "entrypoint", "healthcheck"]);

/** Reads the file, writes the code (and the secrets' tfvars); throws every problem of the file at once. */
export function importCompose(args: ImportArgs): { code: string; tfvars?: string; warnings: readonly string[]; policy: readonly string[] } {
  const baseDir = path.dirname(args.file);
  const variables = projectVariables(baseDir, args.variables);
  const text = fs.readFileSync(args.file, "utf8");
  const fallbackName = path.basename(args.file).replace(/\.(ya?ml)$/, "").toLowerCase().replace(/[^a-z0-9_-]/g, "-");
  const options = { source: args.file, baseDir, profiles: args.profiles, projectName: args.name ?? fallbackName };
  // Reading with the real values first reports every problem of the file, as fromFile would.
  const imported = parseComposeYaml(text, { ...options, variables });
  const stackName = args.name ?? imported.name ?? fallbackName;
  const referenced = referencedVariables(text).filter((name) => Object.hasOwn(variables, name));
  // Each given variable the file uses stays a variable where it lands only in free text.
  let kept: string[] = [];
  let spec = imported.spec;
  for (const name of referenced) {
    const trial = [...kept, name];
    const marked = { ...variables, ...Object.fromEntries(trial.map((n) => [n, marker(n)])) };
    try {
      const candidate = parseComposeYaml(text, { ...options, variables: marked });
      if (markersOnlyInText(candidate.spec)) {
        kept = trial;
        spec = candidate.spec;
      }
    } catch {
      // The variable decides structure (a port, a path): its value is written in the code.
    }
  }
  const real = (value: string) => value.replace(MARKERS, (_, name: string) => variables[name]);
  const codeVariables = new Map<string, CodeVariable>();
  const idOf = (name: string) => `${stackName}_${name}`.toLowerCase().replace(SECRET_ID, "_").slice(0, 64);
  const secretNames = new Set(kept.filter((name) => isSecretLiteral(name, variables[name])));
  const secrets: FoundSecret[] = [];
  const services = Object.fromEntries(
    Object.entries(spec.services).map(([service, serviceSpec]) => {
      const environment: Record<string, string> = {};
      for (const [variable, value] of Object.entries(serviceSpec.environment ?? {})) {
        if (!isSecretLiteral(variable, real(value))) {
          environment[variable] = value;
          continue;
        }
        const whole = /^\u0001([A-Za-z_][A-Za-z0-9_]*)\u0001$/.exec(value);
        if (whole !== null) secretNames.add(whole[1]);
        else secrets.push({ service, variable, id: idOf(`${service}_${variable}`), value: real(value) });
        if (whole !== null) secrets.push({ service, variable, id: idOf(whole[1]), value: real(value) });
      }
      const props: Record<string, unknown> = { ...serviceSpec, environment: Object.keys(environment).length > 0 ? environment : undefined, files: imported.files[service] };
      if (serviceSpec.build !== undefined) props.build = { ...serviceSpec.build, context: path.relative(args.out, serviceSpec.build.context) || "." };
      return [service, props];
    }),
  );
  for (const name of kept) {
    const id = idOf(name);
    codeVariables.set(name, { id, value: variables[name], secret: secretNames.has(name), description: `\${${name}} of ${path.basename(args.file)}` });
  }
  for (const secret of secrets) if (![...codeVariables.values()].some((v) => v.id === secret.id)) codeVariables.set(`\u0002${secret.id}`, { id: secret.id, value: secret.value, secret: true, description: `${secret.variable} of ${stackName}/${secret.service}` });
  const policy = policyFindings(args.file, stackName, imported.spec, secrets);
  fs.mkdirSync(args.out, { recursive: true });
  const code = path.join(args.out, `${stackName}.ts`);
  fs.writeFileSync(code, render(stackName, services, spec, secrets, codeVariables, args));
  const secretVariables = [...codeVariables.values()].filter((v) => v.secret);
  if (secretVariables.length === 0) return { code, warnings: imported.warnings, policy };
  const tfvars = path.join(args.out, `${stackName}.secrets.tfvars`);
  fs.writeFileSync(tfvars, secretVariables.map((s) => `${s.id} = ${JSON.stringify(s.value).replaceAll("${", "$${").replaceAll("%{", "%%{")}\n`).join(""), { mode: 0o600 });
  const gitignore = path.join(args.out, ".gitignore");
  const ignored = fs.existsSync(gitignore) ? fs.readFileSync(gitignore, "utf8") : "";
  if (!ignored.split("\n").includes("*.secrets.tfvars")) fs.writeFileSync(gitignore, `${ignored}${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}*.secrets.tfvars\n`);
  return { code, tfvars, warnings: imported.warnings, policy };
}

/**
 * What the policy pack's service rules say about the stack the code describes (literal secrets
 * already Secrets): each finding with the file, the service, the key and the rule's advice.
 * Rules judge plain data (lib/policy/types.ts); the constructs here only carry the paths.
 */
function policyFindings(file: string, stackName: string, spec: StackSpec, secrets: readonly FoundSecret[]): string[] {
  const root = new Construct(undefined as unknown as Construct, stackName);
  const services: PolicyService[] = Object.entries(spec.services).map(([name, service]) => ({
    name,
    containerName: service.containerName ?? `${stackName}-${name}`,
    spec: { ...service, environment: Object.fromEntries(Object.entries(service.environment ?? {}).filter(([variable]) => !secrets.some((s) => s.service === name && s.variable === variable))) },
    construct: new Construct(root, name),
  }));
  const waitedOn = (name: string, condition: string) => services.some((s) => dependencyConditions(s.spec.dependsOn)[name] === condition);
  return services.flatMap((service) => {
    const subject: ServiceSubject = { kind: "service", construct: service.construct, service, waitedOnHealthy: waitedOn(service.name, "service_healthy"), isJob: waitedOn(service.name, "service_completed_successfully"), neighbours: services };
    return HOMELAB_RULES.filter((rule) => rule.appliesTo === "service").flatMap((rule) => {
      const result = (rule.check as (s: ServiceSubject) => ReturnType<typeof rule.check>)(subject);
      return result.status === "non-compliant"
        ? result.findings.map((f) => `policy ${f.level ?? rule.level} ${rule.id}: ${file}: services.${service.name}.${f.key}: ${f.message}`)
        : [];
    });
  });
}

/** Names of `$NAME` and `${NAME...}` references in compose text (`$$` is a literal `$`). */
function referencedVariables(text: string): string[] {
  const names = [...text.replaceAll("$$", "").matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => m[1] ?? m[2]);
  return [...new Set(names)];
}

/** True when variable markers appear only under the keys whose text no check reads. */
function markersOnlyInText(spec: StackSpec): boolean {
  const outside = (value: unknown): boolean =>
    typeof value === "string" ? value.includes("\u0001") : Array.isArray(value) ? value.some(outside) : typeof value === "object" && value !== null ? Object.values(value).some(outside) : false;
  const servicesOk = Object.values(spec.services).every((service) => Object.entries(service).every(([key, value]) => TEXT_KEYS.has(key) || !outside(value)));
  return servicesOk && !outside(spec.volumes) && !outside(spec.networks) && !outside(Object.values(spec.services).map((s) => Object.keys(s.environment ?? {})));
}

/** Placeholder strings in the JSON that become code. */
const SECRET_REF = (id: string) => `__dockhost_secret__${id}__`;
const BUILD_REF = (context: string) => `__dockhost_context__${context}__`;

function render(
  stackName: string,
  services: Record<string, Record<string, unknown>>,
  spec: { volumes?: unknown; networks?: unknown },
  secrets: readonly FoundSecret[],
  variables: ReadonlyMap<string, CodeVariable>,
  args: ImportArgs,
): string {
  const withSecrets = Object.fromEntries(
    Object.entries(services).map(([service, props]) => {
      const own = secrets.filter((s) => s.service === service);
      const build = props.build as ServiceSpec["build"];
      return [service, { ...props, build: build && { ...build, context: BUILD_REF(build.context) }, secrets: own.length > 0 ? Object.fromEntries(own.map((s) => [s.variable, SECRET_REF(s.id)])) : undefined }];
    }),
  );
  const reference = (name: string) => {
    const variable = variables.get(name)!;
    return variable.secret ? `secrets.${variable.id}.value` : `variables.${variable.id}.stringValue`;
  };
  const body = code({ engine: "__dockhost_engine__", stackName, services: withSecrets, volumes: spec.volumes, networks: spec.networks })
    .replace('"__dockhost_engine__"', "engine")
    .replace(/"__dockhost_secret__([a-z0-9_]+)__"/g, (_, id) => `secrets.${id}`)
    .replace(/"__dockhost_context__(.*?)__"/g, (_, context) => `path.resolve(__dirname, ${JSON.stringify(context)})`)
    // A string where variables land becomes a template literal that references them.
    .replace(/"((?:[^"\\]|\\.)*\\u0001(?:[^"\\]|\\.)*)"/g, (_, inner: string) => {
      const value: string = JSON.parse(`"${inner}"`);
      const parts = value.split(/\u0001([A-Za-z_][A-Za-z0-9_]*)\u0001/);
      return "`" + parts.map((part, i) => (i % 2 === 1 ? `\${${reference(part)}}` : part.replace(/[`\\]/g, "\\$&").replaceAll("${", "\\${"))).join("") + "`";
    });
  const camel = stackName.replace(/[-_]+(.)/g, (_, c: string) => c.toUpperCase());
  const usesBuild = body.includes("path.resolve(__dirname");
  const secretList = [...variables.values()].filter((v) => v.secret);
  const plainList = [...variables.values()].filter((v) => !v.secret);
  return [
    `// Generated by \`dockhost import ${path.basename(args.file)}\`: this code is now the source of truth for the stack.`,
    ...(secretList.length > 0 ? [`// Secret values are in ${stackName}.secrets.tfvars (git-ignored): pass it to terraform with -var-file.`] : []),
    ...(usesBuild ? [`import * as path from "path";`] : []),
    ...(plainList.length > 0 ? [`import { TerraformVariable } from "cdktf";`] : []),
    `import { Construct } from "constructs";`,
    `import { ComposeStack, DockerEngine${secretList.length > 0 ? ", Secret" : ""} } from ${JSON.stringify(args.from)};`,
    "",
    `/** The ${stackName} stack, imported from ${path.basename(args.file)}. */`,
    `export function ${camel}Stack(scope: Construct, engine: DockerEngine): ComposeStack {`,
    ...(plainList.length > 0
      ? [`  const variables = {`, ...plainList.map((v) => `    ${v.id}: new TerraformVariable(scope, ${JSON.stringify(v.id)}, { type: "string", default: ${JSON.stringify(v.value)}, description: ${JSON.stringify(v.description)} }),`), `  };`]
      : []),
    ...(secretList.length > 0
      ? [`  const secrets = {`, ...secretList.map((s) => `    ${s.id}: new Secret(scope, ${JSON.stringify(s.id)}, { description: ${JSON.stringify(s.description)} }),`), `  };`]
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
