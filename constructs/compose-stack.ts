import * as fs from "fs";
import * as path from "path";
import { Annotations, App, Fn, Lazy, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { Container, ContainerConfig } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DataDockerNetwork } from "@cdktf/provider-docker/lib/data-docker-network";
import { Service, ServiceTaskSpecContainerSpecMounts } from "@cdktf/provider-docker/lib/service";
import { Secret as DockerSecret } from "@cdktf/provider-docker/lib/secret";
import { Config as DockerConfig } from "@cdktf/provider-docker/lib/config";
import { BindMount, BuildSpec, dependencyConditions, isBindMount, ServiceSpec, StackSpec } from "../lib/compose/service";
import { engineCapabilities, engineCpuQuota, engineDevice, engineLogOptions, engineMemorySwap, goDurationString } from "../lib/engine-forms";
import { checkAbsolutePath, checkDependencies, checkHostPortConflicts, checkService, checkServiceName, CheckContext, tmpfsPath, validateStackSpec, volumesFromService } from "../lib/compose/validate";
import { durationSeconds } from "../lib/compose/duration";
import { parseComposeYaml, projectVariables } from "../lib/compose/import";
import { toComposeYaml } from "../lib/compose/export";
import { checkSingleHostDeploy, effectiveDeploy, planSwarmPlacement, SwarmPlacement, swarmServiceConfig } from "../lib/compose/swarm-service";
import { SwarmDemand, swarmShortfall } from "../lib/capacity";
import { HOST_RESERVE_MB, UNLIMITED_MEMORY_ESTIMATE_MB } from "../lib/policy/capacity-planner";
import { escapeTerraformTemplate } from "../lib/cloud-config";
import { invalid } from "../lib/errors";
import { suppress } from "../lib/policy/suppressions";
import { checkMetricsEndpoint, MetricsEndpoint } from "../lib/monitoring/metrics-endpoint";
import { terraformName } from "../lib/naming";
import { SEED } from "../lib/seed";
import { DockerEngine } from "./docker-engine";
import { NamedVolume } from "./named-volume";
import { containsSecret, replaceSecretTokens } from "../lib/secret-tokens";
import { Secret } from "./secret";

/** A service of a ComposeStack: the compose-shaped spec plus the secrets it receives. */
export interface ComposeServiceProps extends ServiceSpec {
  /**
   * Environment variables whose values are secrets. A name ending in `_FILE` (the convention of
   * the postgres, mariadb, grafana, nextcloud images) receives the path of a file that holds the
   * secret, uploaded to `/run/secrets/<secret name>`; any other name receives the value itself.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, Secret>>;
  /**
   * Files written into the container before it starts, by absolute path: configuration an image
   * reads at start (Traefik's traefik.yml, Grafana's provisioning). Not for secrets.
   * @default none
   */
  readonly files?: Readonly<Record<string, string>>;
  /**
   * The service's Prometheus endpoint. A MonitoringStack on the same engine scrapes it, whenever
   * the service is added; the port must be one the service exposes.
   * @default none: not scraped
   */
  readonly metrics?: MetricsEndpoint;
}

/** The engine a stack runs on, its services, volumes and networks. */
export interface ComposeStackProps {
  /** The Docker engine (VM) the stack runs on: `dockerHost.connect(appsStack)`. */
  readonly engine: DockerEngine;
  /**
   * Services by name. More can be added with `addService()`.
   * @default none
   */
  readonly services?: Readonly<Record<string, ComposeServiceProps>>;
  /**
   * Named volumes the services mount, `<volumePrefix>_<volume>` on the host. Docker creates them
   * when a container first mounts them; Terraform never owns them, so no code change deletes one.
   * @default none
   */
  readonly volumes?: StackSpec["volumes"];
  /**
   * Prefix of the stack's volume names on the host. Set it to the old name when you rename a
   * stack (`stackName` or the construct id): the renamed stack keeps reading its data.
   * @default the stack name
   */
  readonly volumePrefix?: string;
  /**
   * Networks besides the stack's own (external ones, such as the reverse proxy's, are joined).
   * @default none
   */
  readonly networks?: StackSpec["networks"];
  /**
   * Stack (compose project) name: prefix of container, network and volume names on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Make the stack's own network internal: its containers get no route outside it (for a socket
   * proxy, a database reached only by its app).
   * @default false
   */
  readonly internalNetwork?: boolean;
  /**
   * Label containers and networks the way docker compose does, so that `docker compose ls`
   * and Portainer show the stack. Then `docker compose down` in the stack's folder on the host would
   * also remove these Terraform-managed containers: leave them to Terraform.
   * @default false
   */
  readonly composeLabels?: boolean;
  /**
   * On a Swarm engine: the node (hostname) that holds the stack's named volumes. Every service
   * that mounts one is pinned there by a `node.hostname ==` constraint, unless it names its own.
   * @default the first manager
   */
  readonly dataNode?: string;
  /**
   * On a Swarm engine: encrypt the stack network's traffic between nodes (IPsec).
   * @default false
   */
  readonly encryptedNetwork?: boolean;
}

/** Options of {@link ComposeStack.fromYaml} and {@link ComposeStack.fromFile}. */
export interface ComposeImportProps extends Omit<ComposeStackProps, "services" | "volumes" | "networks"> {
  /**
   * Values for `${VAR}` references in the file; the process environment is never read. A
   * {@link Secret} stays a sensitive-variable reference wherever it lands (inside a URL, say).
   */
  readonly variables?: Readonly<Record<string, string | Secret>>;
  /**
   * Secrets per service, which compose files cannot carry: `{ db: { POSTGRES_PASSWORD_FILE: secret } }`.
   * A secret replaces the file's value of the same variable (`X` for `X` or `X_FILE`), so any
   * literal that DH-SECRET-LITERAL flags can be swapped for a Secret without editing the file.
   */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, Secret>>>>;
  /**
   * Active compose profiles (`docker compose --profile`): services with `profiles` are imported
   * only when one of theirs is active.
   * @default - none: only services without profiles
   */
  readonly profiles?: readonly string[];
}

/** What a service became in Terraform. */
export interface ComposeService {
  /** The stack the service belongs to. */
  readonly stack: ComposeStack;
  readonly name: string;
  /** The container's name on the host, `<stack>-<service>`. */
  readonly containerName: string;
  readonly spec: ComposeServiceProps;
  /** The Terraform resource: a docker_container on a single host, a docker_service on a Swarm. */
  readonly resource: Container | Service;
  /** The docker_container; a service on a Swarm engine has none (its `resource` is a docker_service). */
  readonly container: Container;
}

/** A service's mount of a named volume. */
export interface VolumeMountRef {
  readonly service: ComposeService;
  /** Path inside the container. */
  readonly target: string;
  readonly readOnly: boolean;
}

/** A named volume of a stack and whether it is backed up: what VolumeBackup and the policy pack read. */
export interface StackVolume {
  readonly stack: ComposeStack;
  /** The volume's key in the stack's `volumes`. */
  readonly volume: string;
  /** The Docker volume's name on the host: `<volumePrefix>_<volume>`, or the key itself when external. */
  readonly name: string;
  /** Created elsewhere: this stack neither creates nor backs it up. */
  readonly external: boolean;
  /** Marked for backup: true unless the stack opted out (`backup: false`); false when external. */
  readonly backup: boolean;
  /** Why the stack opted out, when it said. */
  readonly noBackupReason?: string;
  /** The services that mount it, in the order they were added. */
  readonly mounts: readonly VolumeMountRef[];
}

/** What runs on each engine, in creation order, and who wants to hear of each new service. */
interface OnEngine {
  readonly stacks: ComposeStack[];
  readonly services: ComposeService[];
  readonly listeners: Array<(service: ComposeService) => void>;
}
const onEngines = new WeakMap<DockerEngine, OnEngine>();
/** Memory of the Swarm services on each Swarm engine, for the capacity check per node and placement group. */
const swarmDemands = new WeakMap<DockerEngine, SwarmDemand[]>();

function onEngine(engine: DockerEngine): OnEngine {
  const entry = onEngines.get(engine) ?? { stacks: [], services: [], listeners: [] };
  onEngines.set(engine, entry);
  return entry;
}

/** Stack names taken in each Terraform stack: they prefix Terraform addresses, which must not clash. */
const stackNamesByTerraformStack = new WeakMap<TerraformStack, Set<string>>();

/** Where uploaded secrets land in the container. */
const SECRETS_DIR = "/run/secrets";
const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const FILE_SUFFIX = "_FILE";

/** Where a `*_FILE` secret's file is in the container: for images that take the path under another name. */
export function secretFilePath(secret: Secret): string {
  return `${SECRETS_DIR}/${secret.name}`;
}
/** Seconds Terraform waits for a container that others need healthy. */
const HEALTHY_WAIT_SECONDS = 300;

/**
 * A compose-style stack of services on one Docker engine: its own network (the seed's "separate
 * networks per project"), named volumes that survive a stack rename, one container per service with
 * the service name as DNS alias, log rotation, and start order from `dependsOn`.
 *
 * Input that cannot work (a bad service name, image reference, port, path, a missing dependency or a
 * cycle) throws at once; judgement calls (`:latest`, privileged) are left to the policy pack.
 */
export class ComposeStack extends Construct {
  /** Every ComposeStack on `engine`, in the order they were created. */
  public static onEngine(engine: DockerEngine): readonly ComposeStack[] {
    return onEngine(engine).stacks;
  }

  /**
   * Calls `listener` with every service on `engine`: at once for those that exist, then for each
   * one added later. A scraper that is created before or after the apps sees them all.
   */
  public static forEachService(engine: DockerEngine, listener: (service: ComposeService) => void): void {
    const entry = onEngine(engine);
    const existing = [...entry.services];
    entry.listeners.push(listener);
    existing.forEach(listener);
  }

  /**
   * The stack name of a per-VM construct (proxy, volume backup, monitoring): `given`, or `base` for
   * the first one in its Terraform stack (the name every earlier release gave it, whichever VM it
   * is on: renaming would rename its volumes, acme.json included) and `base-<vm name>` for those
   * that follow on other VMs. A name that is taken anyway, or whose companion stack
   * (`<name><suffix>`, e.g. the socket proxy's) is, fails on the owner's `stackName`.
   */
  public static perVmStackName(owner: Construct, engine: DockerEngine, given: string | undefined, base: string, companionSuffixes: readonly string[] = []): string {
    const terraformStack = TerraformStack.of(owner);
    const taken = stackNamesByTerraformStack.get(terraformStack) ?? new Set<string>();
    const name = given ?? (taken.has(base) ? `${base}-${engine.vmName}` : base);
    const clash = [name, ...companionSuffixes.map((suffix) => `${name}${suffix}`)].find((n) => taken.has(n));
    if (clash !== undefined) {
      invalid({
        path: owner.node.path,
        key: "stackName",
        value: given ?? `${name} (the default on VM ${engine.vmName})`,
        allowed: `a stack name not already used in Terraform stack ${terraformStack.node.id} (${clash} is): set stackName`,
      });
    }
    return name;
  }

  /** Reads a docker-compose.yml text (compose spec) into a new stack. */
  /**
   * Reads a docker-compose.yml text (compose spec) into a new stack. Every problem of the file is
   * reported in one error; what the import changed on the way (a dropped SELinux mode, a folder
   * to copy) becomes a warning annotation on the stack.
   */
  public static fromYaml(scope: Construct, id: string, yaml: string, props: ComposeImportProps & { readonly source?: string; readonly baseDir?: string }): ComposeStack {
    const { variables: given, secrets, profiles, source, baseDir, ...stackProps } = props;
    const variables = Object.fromEntries(Object.entries(given ?? {}).map(([name, value]) => [name, value instanceof Secret ? value.value : value]));
    const imported = parseComposeYaml(yaml, { source: source ?? id, variables, baseDir, profiles, projectName: props.stackName ?? id });
    const services = Object.fromEntries(
      Object.entries(imported.spec.services).map(([name, spec]) => {
        const replaced = Object.keys(secrets?.[name] ?? {}).flatMap((key) => [key, key.endsWith(FILE_SUFFIX) ? key.slice(0, -FILE_SUFFIX.length) : key]);
        const environment = spec.environment && Object.fromEntries(Object.entries(spec.environment).filter(([key]) => !replaced.includes(key)));
        return [name, { ...spec, environment, secrets: secrets?.[name], files: imported.files[name] }];
      }),
    );
    const stack = new ComposeStack(scope, id, { ...stackProps, stackName: props.stackName ?? imported.name, services, volumes: imported.spec.volumes, networks: imported.spec.networks });
    imported.warnings.forEach((warning) => Annotations.of(stack).addWarning(warning));
    return stack;
  }

  /**
   * Reads a docker-compose.yml file into a new stack, as `docker compose up` in its folder would:
   * `.env` beside it supplies variables that `variables` does not, `env_file`s and bind sources are
   * read beside it.
   */
  public static fromFile(scope: Construct, id: string, file: string, props: ComposeImportProps): ComposeStack {
    const baseDir = path.dirname(path.resolve(file));
    return ComposeStack.fromYaml(scope, id, fs.readFileSync(file, "utf8"), { ...props, variables: projectVariables(baseDir, props.variables), source: file, baseDir });
  }

  public readonly engine: DockerEngine;
  public readonly stackName: string;
  public readonly network: Network;
  /** Prefix of the stack's volume names on the host. */
  public readonly volumePrefix: string;
  /** The named volumes this stack's containers create, by their name in the stack. */
  public readonly volumes: Readonly<Record<string, NamedVolume>>;
  private readonly declared: Required<Pick<StackSpec, "volumes" | "networks">>;
  private readonly composeLabels: boolean;
  private readonly services = new Map<string, ComposeService>();
  /** Images this stack builds, by name. */
  private readonly builtImages = new Map<string, Image>();
  /** Labels and networks other constructs add to a service (routes, scrapers), read at synth time. */
  private readonly extraLabels = new Map<string, Record<string, string>>();
  private readonly attachedNetworks = new Map<string, Array<{ name: string; aliases: string[] }>>();
  /** On a Swarm engine: labels for a service's task containers (addLabels labels the service). */
  private readonly extraTaskLabels = new Map<string, Record<string, string>>();
  private readonly extraNetworks: Record<string, string>;
  private readonly context: CheckContext;
  /** The node (hostname) that holds the stack's named volumes, on a Swarm engine. */
  public readonly dataNode?: string;
  /** Where each service's tasks may run, on a Swarm engine. */
  private readonly placements = new Map<string, SwarmPlacement>();
  /** docker_secret per Secret, on a Swarm engine. */
  private readonly swarmSecrets = new Map<Secret, DockerSecret>();

  constructor(scope: Construct, id: string, props: ComposeStackProps) {
    super(scope, id);
    this.context = { path: this.node.path, isUnresolved: (v) => Token.isUnresolved(v) };
    this.engine = props.engine;
    onEngine(this.engine).stacks.push(this);
    this.stackName = props.stackName ?? id;
    if (!STACK_NAME.test(this.stackName)) invalid({ path: this.node.path, key: "stackName", value: this.stackName, allowed: `expected a compose project name matching ${STACK_NAME.source}` });
    const taken = stackNamesByTerraformStack.get(TerraformStack.of(this)) ?? new Set<string>();
    stackNamesByTerraformStack.set(TerraformStack.of(this), taken);
    if (taken.has(this.stackName)) invalid({ path: this.node.path, key: "stackName", value: this.stackName, allowed: "expected a stack name not already used in this Terraform stack" });
    taken.add(this.stackName);
    this.composeLabels = props.composeLabels ?? false;
    this.declared = { volumes: props.volumes ?? {}, networks: props.networks ?? {} };
    const swarm = this.engine.swarm;
    if (swarm) {
      this.dataNode = props.dataNode ?? swarm.nodes.find((n) => n.role === "manager")?.hostname;
      if (!swarm.nodes.some((n) => n.hostname === this.dataNode)) invalid({ path: this.node.path, key: "dataNode", value: props.dataNode, allowed: `a node of the Swarm: ${swarm.nodes.map((n) => n.hostname).join(", ")}` });
    } else {
      if (props.dataNode !== undefined) invalid({ path: this.node.path, key: "dataNode", value: props.dataNode, allowed: "no dataNode on a single host (it holds every volume); only a Swarm engine places data" });
      if (props.encryptedNetwork) invalid({ path: this.node.path, key: "encryptedNetwork", value: true, allowed: "false on a single host: encryption is for overlay networks between Swarm nodes" });
      Object.entries(this.declared.networks).forEach(([name, n]) => n.encrypted && invalid({ path: this.node.path, key: `networks.${name}.encrypted`, value: true, allowed: "false on a single host: encryption is for overlay networks between Swarm nodes" }));
    }
    const services = props.services ?? {};
    validateStackSpec(this.context, { services, ...this.declared });
    Object.entries(services).forEach(([name, spec]) => this.checkExtras(name, spec));

    const provider = this.engine.provider;
    this.network = new Network(this, "network", { provider, name: this.stackName, ...this.networkDriver(props.encryptedNetwork), internal: props.internalNetwork, labels: this.labels({ "com.docker.compose.network": "default" }) });
    this.network.overrideLogicalId(this.terraformId("network"));

    this.extraNetworks = {};
    for (const [name, network] of Object.entries(this.declared.networks)) {
      if (network.external) {
        // A Swarm service reads its networks back by id (moby daemon/cluster populateNetworkID): an external one is looked up.
        this.extraNetworks[name] = swarm ? new DataDockerNetwork(this, `network-${name}`, { provider, name: network.name ?? name }).id : network.name ?? name;
        continue;
      }
      const created = new Network(this, `network-${name}`, { provider, name: network.name ?? `${this.stackName}_${name}`, internal: network.internal, ...(swarm ? this.networkDriver(network.encrypted) : {}), labels: this.labels({ "com.docker.compose.network": name }) });
      created.overrideLogicalId(this.terraformId(`network_${name}`));
      this.extraNetworks[name] = swarm ? created.id : created.name;
    }

    this.volumePrefix = props.volumePrefix ?? this.stackName;
    if (!STACK_NAME.test(this.volumePrefix)) invalid({ path: this.node.path, key: "volumePrefix", value: this.volumePrefix, allowed: `expected a compose project name matching ${STACK_NAME.source}` });
    const volumes: Record<string, NamedVolume> = {};
    for (const [name, volume] of Object.entries(this.declared.volumes)) {
      if (volume.external) continue;
      // Releases up to 7f2547e managed the volume as docker_volume.<stack>_volume_<name>: an upgrade forgets it, Docker keeps it.
      const formerAddresses = [...new Set([this.stackName, this.volumePrefix].map((prefix) => `docker_volume.${terraformName(`${prefix}_volume_${name}`)}`))];
      volumes[name] = new NamedVolume(this, `volume-${name}`, { name: this.hostVolumeName(name), formerAddresses });
      // An explicit opt-out shows in the policy report as a suppression with its reason.
      if (volume.backup === false && volume.noBackupReason !== undefined) suppress(volumes[name], "DH-VOLUME-BACKUP", volume.noBackupReason);
    }
    this.volumes = volumes;

    // Built first: a service that names a built image runs it, as with compose, instead of pulling the tag.
    for (const [name, spec] of Object.entries(services)) if (spec.build) this.buildImage(name, spec.image, spec.build);
    // Dependencies first, so each container can name the ones it waits for.
    for (const name of startOrder(services)) this.createContainer(name, services[name]);
  }

  /**
   * Adds a service after construction. Its dependencies must already be in the stack (add them
   * first), which also rules out cycles.
   */
  public addService(name: string, spec: ComposeServiceProps): ComposeService {
    checkServiceName(this.context, name);
    if (this.services.has(name)) invalid({ path: this.node.path, key: `services.${name}`, value: name, allowed: "a service name not already in the stack" });
    checkService(this.context, name, spec, this.declared);
    const all = { ...this.specs(), [name]: spec };
    checkHostPortConflicts(this.context, all);
    checkDependencies(this.context, all);
    this.checkExtras(name, spec);
    return this.createContainer(name, spec);
  }

  /** Adds container labels to a service (for example a reverse proxy's routing labels). */
  public addLabels(service: string, labels: Readonly<Record<string, string>>): void {
    this.service(service);
    Object.entries(labels).forEach(([label, value]) => this.refuseSecret(`services.${service}.labels.${label}`, value));
    Object.assign(this.extraLabels.get(service)!, labels);
  }

  /**
   * Adds labels to the container(s) of a service: on a single host the same as addLabels; on a
   * Swarm engine its task containers (for tools that look containers up on a node's engine).
   */
  public addTaskLabels(service: string, labels: Readonly<Record<string, string>>): void {
    if (!this.engine.swarm) return this.addLabels(service, labels);
    this.service(service);
    Object.entries(labels).forEach(([label, value]) => this.refuseSecret(`services.${service}.labels.${label}`, value));
    Object.assign(this.extraTaskLabels.get(service)!, labels);
  }

  /** Attaches a service to a network of another construct (the reverse proxy's, a socket proxy's). */
  public attachNetwork(service: string, network: Network, aliases: readonly string[] = [service]): void {
    this.service(service);
    this.attachedNetworks.get(service)!.push({ name: this.engine.swarm ? network.id : network.name, aliases: [...aliases] });
  }

  /** A service of the stack, by name. */
  public service(name: string): ComposeService {
    return this.services.get(name) ?? invalid({ path: this.node.path, key: "service", value: name, allowed: `one of ${[...this.services.keys()].join(", ")}` });
  }

  /** Every service, in the order they were added. */
  public get serviceList(): readonly ComposeService[] {
    return [...this.services.values()];
  }

  /**
   * Every named volume the stack declares, with its backup status and the services that mount
   * it. Volumes are backed up unless opted out (`backup: false`), so an entry with `backup: false`
   * and no `noBackupReason`, or one no VolumeBackup covers, is what a policy rule looks for.
   */
  public volumeList(): readonly StackVolume[] {
    return Object.entries(this.declared.volumes).map(([volume, spec]) => ({
      stack: this,
      volume,
      name: spec.external ? volume : this.hostVolumeName(volume),
      external: spec.external === true,
      backup: spec.external !== true && spec.backup !== false,
      noBackupReason: spec.noBackupReason,
      mounts: this.serviceList.flatMap((service) =>
        (service.spec.volumes ?? [])
          .filter((mount) => !isBindMount(mount) && mount.volume === volume)
          .map((mount) => ({ service, target: mount.target, readOnly: mount.readOnly === true })),
      ),
    }));
  }

  /** The stack as a compose spec (secrets not included). */
  public toSpec(): StackSpec {
    return { services: this.specs(), ...(Object.keys(this.declared.volumes).length > 0 && { volumes: this.declared.volumes }), ...(Object.keys(this.declared.networks).length > 0 && { networks: this.declared.networks }) };
  }

  /**
   * The stack as compose YAML, for `docker compose up` on a laptop or as a readable mirror. A
   * secret becomes `${SECRET_NAME}` (compose reads it from the environment or a `.env` file);
   * a `X_FILE` secret becomes `X: ${SECRET_NAME}`, which those images also accept.
   */
  public toComposeYaml(options: { readonly includeName?: boolean } = {}): string {
    // Placeholders survive the YAML writer's `$` escaping; they become `${NAME}` afterwards.
    const placeholders = new Map<string, string>();
    const placeholder = (secretName: string): string => {
      const key = `__DOCKHOST_SECRET_${placeholders.size}__`;
      placeholders.set(key, `\${${secretName.toUpperCase()}}`);
      return key;
    };
    const services = Object.fromEntries(
      [...this.services.values()].map(({ name, spec }) => {
        const { secrets, ...rest } = spec;
        // A value built from a secret (a database URL) names the secret too; compose does not
        // URL-encode it, so such a password must be URL-safe there.
        const environment = Object.fromEntries(Object.entries(rest.environment ?? {}).map(([key, value]) => [key, replaceSecretTokens(value, placeholder)]));
        for (const [key, secret] of Object.entries(secrets ?? {})) {
          environment[key.endsWith(FILE_SUFFIX) ? key.slice(0, -FILE_SUFFIX.length) : key] = placeholder(secret.name);
        }
        const placement = this.placements.get(name);
        return [name, { ...rest, ...(Object.keys(environment).length > 0 && { environment }), ...(placement && { deploy: effectiveDeploy(spec, placement) }) }];
      }),
    );
    const yaml = toComposeYaml({ ...this.toSpec(), services }, { name: options.includeName ? this.stackName : undefined, swarm: this.engine.swarm !== undefined });
    return yaml.replace(/__DOCKHOST_SECRET_\d+__/g, (p) => placeholders.get(p)!);
  }

  private specs(): Record<string, ComposeServiceProps> {
    return Object.fromEntries([...this.services.values()].map((s) => [s.name, s.spec]));
  }

  private createContainer(name: string, spec: ComposeServiceProps): ComposeService {
    if (this.engine.swarm) return this.createSwarmService(name, spec);
    const containerName = spec.containerName ?? `${this.stackName}-${name}`;
    const labels: Record<string, string> = { ...spec.labels, ...this.composeServiceLabels(name) };
    const attached: Array<{ name: string; aliases: string[] }> = [];
    this.extraLabels.set(name, labels);
    this.attachedNetworks.set(name, attached);
    const aliases = [name, ...(spec.aliases ?? [])];
    const config: ContainerConfig = {
      provider: this.engine.provider,
      name: containerName,
      image: (this.builtImages.get(spec.image) ?? (spec.build ? this.buildImage(name, spec.image, spec.build) : this.engine.image(spec.image))).imageId,
      // Literal strings are escaped for Terraform: `${VAR}` in a command is for the container's shell.
      command: spec.command?.map(literal),
      entrypoint: spec.entrypoint?.map(literal),
      env: this.environment(spec),
      upload: this.uploads(spec),
      // Lazy: routes and scrapers may attach networks and labels after the service is created.
      networksAdvanced:
        spec.networkMode === "host"
          ? undefined
          : Lazy.anyValue({
              produce: () => [
                ...(spec.defaultNetwork === false ? [] : [{ name: this.network.name, aliases }]),
                ...(spec.networks ?? []).map((network) => ({ name: this.extraNetworks[network], aliases })),
                ...attached,
              ],
            }),
      networkMode: spec.networkMode,
      privileged: spec.privileged,
      pidMode: spec.pid,
      ipcMode: spec.ipc,
      // Without a host address compose (Docker) listens on IPv4 and IPv6; the provider defaults to 0.0.0.0 only.
      ports: spec.ports?.flatMap((p) => (p.hostIp === undefined ? ["0.0.0.0", "::"] : [p.hostIp]).map((ip) => ({ internal: p.containerPort, external: p.hostPort, ip, protocol: p.protocol }))),
      volumes: nonEmpty([
        ...(spec.volumes ?? [])
          .filter((mount) => !isBindMount(mount) || mount.propagation === undefined)
          .map((mount) =>
            isBindMount(mount)
              ? { hostPath: this.hostPath(mount.hostPath), containerPath: mount.target, readOnly: mount.readOnly }
              : { volumeName: this.volumeName(mount.volume), containerPath: mount.target, readOnly: mount.readOnly },
          ),
        ...(spec.volumesFrom ?? []).map((from) => ({ fromContainer: this.volumesFromContainer(from) })),
      ]),
      // docker_container `volumes` has no propagation: such binds go through `mounts`.
      mounts: nonEmpty(
        (spec.volumes ?? [])
          .filter((mount): mount is BindMount => isBindMount(mount) && mount.propagation !== undefined)
          .map((mount) => ({ type: "bind", source: this.hostPath(mount.hostPath), target: mount.target, readOnly: mount.readOnly, bindOptions: { propagation: mount.propagation } })),
      ),
      labels: Lazy.anyValue({ produce: () => labelList(labels) }),
      // Durations, capabilities, devices, memory_swap, cpus and log options are written as the
      // engine reads them back (lib/engine-forms.ts): anything else is a diff on every plan.
      healthcheck: spec.healthcheck && {
        test: spec.healthcheck.test.map(literal),
        interval: spec.healthcheck.interval && goDurationString(spec.healthcheck.interval),
        timeout: spec.healthcheck.timeout && goDurationString(spec.healthcheck.timeout),
        startPeriod: spec.healthcheck.startPeriod && goDurationString(spec.healthcheck.startPeriod),
        retries: spec.healthcheck.retries,
      },
      restart: typeof spec.restart === "object" ? spec.restart.policy : spec.restart ?? "no",
      maxRetryCount: typeof spec.restart === "object" ? spec.restart.maxRetries : undefined,
      user: spec.user && literal(spec.user),
      groupAdd: spec.groupAdd && [...spec.groupAdd],
      readOnly: spec.readOnly,
      capabilities: spec.capAdd || spec.capDrop ? { add: engineCapabilities(spec.capAdd), drop: engineCapabilities(spec.capDrop) } : undefined,
      securityOpts: spec.securityOpt && [...spec.securityOpt],
      memory: spec.memoryLimitMb,
      memorySwap: engineMemorySwap(spec.memoryLimitMb),
      ...engineCpuQuota(spec.cpus),
      // Containers log to json-file rotated like the daemon default (seed: 10 MB), unless told otherwise.
      logDriver: spec.logging?.driver ?? "json-file",
      logOpts: nonEmptyMap(engineLogOptions(spec.logging?.driver ?? "json-file", spec.logging?.options ?? {}, "json-file", { "max-size": SEED.logMaxSize, "max-file": "3" })),
      hostname: spec.hostname && literal(spec.hostname),
      tmpfs: spec.tmpfs && Object.fromEntries(spec.tmpfs.map((entry) => [tmpfsPath(entry), entry.slice(tmpfsPath(entry).length + 1)])),
      shmSize: spec.shmSizeMb,
      ulimit: spec.ulimits && Object.entries(spec.ulimits).map(([ulimit, { soft, hard }]) => ({ name: ulimit, soft, hard })),
      // The stop timeout is what `docker stop` waits; Terraform waits as long when it replaces the container.
      stopTimeout: spec.stopGracePeriod === undefined ? undefined : durationSeconds(spec.stopGracePeriod),
      destroyGraceSeconds: spec.stopGracePeriod === undefined ? undefined : durationSeconds(spec.stopGracePeriod),
      stopSignal: spec.stopSignal,
      init: spec.init,
      tty: spec.tty,
      stdinOpen: spec.stdinOpen,
      sysctls: spec.sysctls && { ...spec.sysctls },
      dns: spec.dns && [...spec.dns],
      devices: spec.devices?.map(engineDevice),
      host: spec.extraHosts && Object.entries(spec.extraHosts).map(([host, ip]) => ({ host, ip })),
      workingDir: spec.workingDir && literal(spec.workingDir),
      dependsOn: nonEmpty(Object.keys(dependencyConditions(spec.dependsOn)).map((dependency) => this.service(dependency).container)),
    };
    const container = new Container(this, `service-${name}`, config);
    container.overrideLogicalId(this.terraformId(name));
    for (const [dependency, condition] of Object.entries(dependencyConditions(spec.dependsOn))) {
      const needed = this.service(dependency).container;
      if (condition === "service_healthy") {
        // Terraform finishes creating the dependency only once Docker reports it healthy.
        needed.wait = true;
        needed.waitTimeout = HEALTHY_WAIT_SECONDS;
      } else if (condition === "service_completed_successfully") {
        // A one-shot job: Terraform waits for it to exit (non-zero fails the apply).
        needed.attach = true;
        needed.mustRun = false;
      }
    }
    return this.register({ stack: this, name, containerName, spec, resource: container, container });
  }

  private register(service: ComposeService): ComposeService {
    this.services.set(service.name, service);
    const entry = onEngine(this.engine);
    entry.services.push(service);
    entry.listeners.forEach((listener) => listener(service));
    return service;
  }

  /**
   * A service on a Swarm engine: a docker_service placed by its constraints (lib/compose/swarm-service.ts),
   * its secrets as docker_secret and its files as docker_config, on overlay networks.
   */
  private createSwarmService(name: string, spec: ComposeServiceProps): ComposeService {
    const placement = this.placements.get(name)!;
    const serviceName = `${this.stackName}_${name}`;
    // Routes and scrapers label the Swarm service: Traefik's Swarm provider reads service labels.
    const serviceLabels: Record<string, string> = { ...spec.deploy?.labels };
    const attached: Array<{ name: string; aliases: string[] }> = [];
    const taskLabels: Record<string, string> = {};
    this.extraLabels.set(name, serviceLabels);
    this.extraTaskLabels.set(name, taskLabels);
    this.attachedNetworks.set(name, attached);
    const aliases = [name, ...(spec.aliases ?? [])];
    const fileSecrets = Object.entries(spec.secrets ?? {}).filter(([k]) => k.endsWith(FILE_SUFFIX));
    const config = swarmServiceConfig(
      spec,
      {
        name: serviceName,
        // A tag is read back pinned to the digest the client resolved (docker client service_create.go,
        // imageWithDigestString; kreuzwerker sets QueryRegistry): the engine's repo digest is that form.
        image: spec.image.includes("@sha256:") ? spec.image : this.engine.image(spec.image).repoDigest,
        env: nonEmptyMap(
          Object.fromEntries([
            ...Object.entries(spec.environment ?? {}).map(([k, v]) => [k, literal(v)]),
            ...Object.entries(spec.secrets ?? {}).map(([k, secret]) => [k, k.endsWith(FILE_SUFFIX) ? `${SECRETS_DIR}/${secret.name}` : secret.value]),
          ]),
        ),
        mounts: this.swarmMounts(spec),
        secrets: nonEmpty(fileSecrets.map(([, secret]) => ({ secretId: this.swarmSecret(secret).id, secretName: this.swarmSecret(secret).name, fileName: `${SECRETS_DIR}/${secret.name}`, ...READ_ONLY_FILE }))),
        configs: nonEmpty(
          Object.entries(spec.files ?? {}).map(([file, content], i) => {
            const data = Token.isUnresolved(content) ? base64AtSynth(content) : Buffer.from(content).toString("base64");
            const created = swarmObject(DockerConfig, this, `config-${name}-${i}`, `${serviceName}_f${i}`, data, this.terraformId(`${name}_config_${i}`));
            return { configId: created.id, configName: created.name, fileName: file, ...READ_ONLY_FILE };
          }),
        ),
        networks: Lazy.anyValue({
          produce: () => [
            ...(spec.defaultNetwork === false ? [] : [{ name: this.network.id, aliases }]),
            ...(spec.networks ?? []).map((network) => ({ name: this.extraNetworks[network], aliases })),
            ...attached,
          ],
        }) as never,
        containerLabels: Lazy.anyValue({ produce: () => labelList({ ...spec.labels, ...this.composeServiceLabels(name), ...taskLabels }) }) as never,
        serviceLabels: Lazy.anyValue({ produce: () => labelList(serviceLabels) }) as never,
        placement,
      },
      literal,
    );
    const resource = new Service(this, `service-${name}`, {
      ...config,
      provider: this.engine.provider,
      dependsOn: nonEmpty(Object.keys(dependencyConditions(spec.dependsOn)).map((dependency) => this.service(dependency).resource)),
    });
    resource.overrideLogicalId(this.terraformId(name));
    const path = this.node.path;
    return this.register({
      stack: this,
      name,
      containerName: serviceName,
      spec,
      resource,
      get container(): Container {
        return invalid({ path, key: `services.${name}`, value: serviceName, allowed: "a service on a single-host engine: on a Swarm engine it is a docker_service (use resource)" });
      },
    });
  }

  /** Named volumes, binds and tmpfs as Swarm mounts (a Swarm service has no `volumes` or `tmpfs`). */
  private swarmMounts(spec: ServiceSpec): ServiceTaskSpecContainerSpecMounts[] {
    return [
      ...(spec.volumes ?? []).map((mount) =>
        isBindMount(mount)
          ? { type: "bind", source: this.hostPath(mount.hostPath), target: mount.target, readOnly: mount.readOnly, bindOptions: mount.propagation && { propagation: mount.propagation } }
          : { type: "volume", source: this.volumeName(mount.volume), target: mount.target, readOnly: mount.readOnly },
      ),
      ...(spec.tmpfs ?? []).map((target) => ({ type: "tmpfs", target })),
    ];
  }

  /** The docker_secret of a Secret, one per stack: its data is the variable, base64-encoded by Terraform. */
  private swarmSecret(secret: Secret): DockerSecret {
    let created = this.swarmSecrets.get(secret);
    if (!created) {
      created = swarmObject(DockerSecret, this, `secret-${secret.name}`, `${this.stackName}_${secret.name}`, Fn.base64encode(secret.value), this.terraformId(`secret_${secret.name}`));
      this.swarmSecrets.set(secret, created);
    }
    return created;
  }

  /** On a Swarm engine, places the service (or refuses it); on a single host, refuses Swarm-only settings. */
  private checkEngineFit(name: string, spec: ComposeServiceProps): void {
    const swarm = this.engine.swarm;
    if (!swarm) return checkSingleHostDeploy(this.node.path, name, spec.deploy);
    const placement = planSwarmPlacement({ ...this.context, topology: swarm, dataNode: this.dataNode!, volumes: this.declared.volumes }, name, spec);
    const demands = swarmDemands.get(this.engine) ?? [];
    const demand: SwarmDemand = {
      service: `${this.node.path} services.${name}`,
      eligible: placement.eligible.map((n) => n.hostname),
      tasks: spec.deploy?.mode === "global" ? placement.eligible.length : spec.deploy?.replicas ?? 1,
      global: spec.deploy?.mode === "global",
      memoryMbPerTask: spec.deploy?.resources?.reservations?.memoryMb ?? spec.memoryLimitMb ?? UNLIMITED_MEMORY_ESTIMATE_MB,
    };
    const short = swarmShortfall(swarm.nodes, [...demands, demand], HOST_RESERVE_MB);
    if (short) {
      invalid({
        path: this.node.path,
        key: `services.${name}.deploy`,
        value: spec.deploy ?? {},
        allowed: `placements that fit: node(s) ${short.nodes.join(", ")} would need ${short.needMb} MB for ${short.services.join("; ")} but have ${short.capacityMb} MB (memory minus the host's ${HOST_RESERVE_MB} MB reserve); loosen the constraints, lower replicas or memory, or give the VMs more memory`,
      });
    }
    swarmDemands.set(this.engine, [...demands, demand]);
    this.placements.set(name, placement);
  }

  /** The stack network's driver: bridge on a single host, an attachable overlay on a Swarm. */
  private networkDriver(encrypted: boolean | undefined): { driver: string; attachable?: boolean; options?: Record<string, string>; lifecycle?: { ignoreChanges: string[] } } {
    if (!this.engine.swarm) return { driver: "bridge" };
    // The engine adds com.docker.network.driver.overlay.vxlanid_list to an overlay's options and
    // kreuzwerker reads options back (resource_docker_network_funcs.go, v3.6.2); options is ForceNew.
    return { driver: "overlay", attachable: true, ...(encrypted && { options: { encrypted: "" }, lifecycle: { ignoreChanges: ["options"] } }) };
  }

  private environment(spec: ComposeServiceProps): string[] | undefined {
    const plain = Object.entries(spec.environment ?? {}).map(([k, v]) => literal(`${k}=${v}`));
    const secret = Object.entries(spec.secrets ?? {}).map(([k, s]) => `${k}=${k.endsWith(FILE_SUFFIX) ? secretFilePath(s) : s.value}`);
    return nonEmpty([...plain, ...secret].sort());
  }

  private uploads(spec: ComposeServiceProps): ContainerConfig["upload"] {
    const secretFiles = Object.entries(spec.secrets ?? {})
      .filter(([k]) => k.endsWith(FILE_SUFFIX))
      .map(([, s]) => ({ file: secretFilePath(s), content: s.value, permissions: "0444" }));
    // Literal file content may contain `${`, which Terraform would read as an interpolation.
    const files = Object.entries(spec.files ?? {}).map(([file, content]) => ({ file, content: literal(content), permissions: "0444" }));
    return nonEmpty([...files, ...secretFiles]);
  }

  /**
   * A Secret in a label or a command line would be in plain sight: `docker inspect` and `ps` show
   * them to anyone on the host. Secrets reach a container through `secrets` only.
   */
  private refuseSecret(key: string, text: string | undefined): void {
    if (text !== undefined && containsSecret(text)) {
      invalid({ path: this.node.path, key, value: text, secret: true, allowed: "no Secret here: labels, command lines and these settings are visible to anyone who can run docker inspect; give it in the service's secrets, as a *_FILE variable (a file in /run/secrets) or an environment variable" });
    }
  }

  /** Checks what ComposeStack adds to the compose model: secrets, files and the metrics endpoint. */
  private checkExtras(service: string, spec: ComposeServiceProps): void {
    const key = `services.${service}`;
    Object.entries(spec.labels ?? {}).forEach(([label, value]) => this.refuseSecret(`${key}.labels.${label}`, value));
    (["command", "entrypoint"] as const).forEach((name) => spec[name]?.forEach((arg, i) => this.refuseSecret(`${key}.${name}[${i}]`, arg)));
    spec.healthcheck?.test.forEach((arg, i) => this.refuseSecret(`${key}.healthcheck.test[${i}]`, arg));
    (["user", "hostname", "workingDir"] as const).forEach((name) => this.refuseSecret(`${key}.${name}`, spec[name]));
    Object.entries(spec.files ?? {}).forEach(([file, content]) => this.refuseSecret(`${key}.files.${file}`, content));
    Object.keys(spec.files ?? {}).forEach((file) => checkAbsolutePath(this.context, `services.${service}.files.${file}`, file));
    this.checkEngineFit(service, spec);
    if (spec.metrics) checkMetricsEndpoint(this.node.path, `services.${service}.metrics`, spec, spec.metrics);
    for (const key of Object.keys(spec.secrets ?? {})) {
      if (spec.environment && key in spec.environment) {
        invalid({ path: this.node.path, key: `services.${service}.secrets.${key}`, value: key, allowed: "a variable not also set in environment" });
      }
    }
  }

  /**
   * A bind's path on the host, resolved as `docker compose up` in the stack's folder there would:
   * relative paths under `<stacksDir>/<stack>`, `~` in the admin user's home.
   */
  private hostPath(hostPath: string): string {
    const resolved =
      hostPath === "~" || hostPath.startsWith("~/")
        ? path.posix.join(`/home/${this.engine.dockerHost.vm.adminUser}`, hostPath.slice(1))
        : hostPath.startsWith(".") ? path.posix.join(this.engine.dockerHost.stacksDir, this.stackName, hostPath) : hostPath;
    return resolved.length > 1 ? resolved.replace(/\/$/, "") : resolved;
  }

  /** `volumes_from`: a service's container name, or `container:<name>`, with its mode kept. */
  private volumesFromContainer(from: string): string {
    const service = volumesFromService(from);
    if (service === undefined) return from.slice("container:".length);
    return `${this.service(service).containerName}${from.slice(service.length)}`;
  }

  /**
   * Builds a service's image with the Docker daemon of the engine (compose `build`). The context
   * is written relative to the synthesized stack's folder (`path.module`), so the JSON is the same
   * on every machine; the image is rebuilt when a file of the context changes.
   */
  private buildImage(service: string, name: string, build: BuildSpec): Image {
    const stackDir = path.join(path.resolve(App.of(this).outdir), "stacks", TerraformStack.of(this).node.id);
    const context = `\${path.module}/${path.relative(stackDir, path.resolve(build.context)).split(path.sep).join("/")}`;
    const image = new Image(this, `build-${service}`, {
      provider: this.engine.provider,
      name,
      keepLocally: true,
      buildAttribute: {
        context,
        dockerfile: build.dockerfile,
        buildArgs: build.args && { ...build.args },
        target: build.target,
        tag: [name],
      },
      triggers: { context: `\${sha1(join("", [for f in fileset("${context}", "**") : filesha1("${context}/\${f}")]))}` },
    });
    image.overrideLogicalId(this.terraformId(`build_${service}`));
    this.builtImages.set(name, image);
    return image;
  }

  private volumeName(volume: string): string {
    return this.volumes[volume]?.name ?? volume;
  }

  /** The name on the host of a volume this stack creates. */
  private hostVolumeName(volume: string): string {
    return `${this.volumePrefix}_${volume}`;
  }

  private labels(extra: Record<string, string>) {
    return this.composeLabels ? labelList({ "com.docker.compose.project": this.stackName, ...extra }) : undefined;
  }

  private composeServiceLabels(service: string): Record<string, string> {
    if (!this.composeLabels) return {};
    return {
      "com.docker.compose.project": this.stackName,
      "com.docker.compose.service": service,
      "com.docker.compose.container-number": "1",
      "com.docker.compose.oneoff": "False",
    };
  }

  private terraformId(suffix: string): string {
    return terraformName(`${this.stackName}_${suffix}`);
  }
}

/** Swarm mounts secret and config files read-only for everyone, as the provider's defaults read back (file_mode 0o444, uid and gid "0"). */
const READ_ONLY_FILE = { fileMode: 0o444, fileUid: "0", fileGid: "0" };

/**
 * A docker_secret or docker_config: immutable (name and data are ForceNew), and Docker refuses to
 * delete one a service still uses (moby#35803). So each version gets a new name from the time it
 * is created and the new one exists before the old is destroyed, as kreuzwerker's docs advise
 * (docs/resources/secret.md, v3.6.2, "Update secret with no downtime"). Names stay within Docker's 64.
 */
/**
 * base64 of a file known only at synth (a Lazy such as Prometheus' config, escaped for a Terraform
 * string): literal text is encoded when it resolves; a single Terraform expression goes through
 * base64encode(). Fn.base64encode on such a Lazy would put the text unquoted into the call.
 */
function base64AtSynth(content: string): string {
  return Lazy.stringValue({
    produce: (context) => {
      const text = String(context.resolve(content));
      if (/^\$\{[^]*\}$/.test(text) && !/(^|[^$])\$\{/.test(text.slice(2))) return `\${base64encode(${text.slice(2, -1)})}`;
      if (/(^|[^$%])[$%]\{/.test(text)) throw new Error(`a Swarm config file mixes text and Terraform expressions, which cannot be encoded at synth: ${text.slice(0, 80)}`);
      return Buffer.from(text.replace(/([$%])\1\{/g, "$1{")).toString("base64");
    },
  });
}

function swarmObject<T extends DockerSecret | DockerConfig>(kind: new (scope: Construct, id: string, config: { name: string; data: string; provider: DockerEngine["provider"]; lifecycle: object }) => T, stack: ComposeStack, id: string, prefix: string, data: string, logicalId: string): T {
  const created = new kind(stack, id, {
    provider: stack.engine.provider,
    name: `${prefix.slice(0, 40)}-\${replace(timestamp(), ":", ".")}`,
    data,
    lifecycle: { ignoreChanges: ["name"], createBeforeDestroy: true },
  });
  created.overrideLogicalId(logicalId);
  return created;
}

/** Literal text for Terraform (cdktf's own tokens kept), see escapeTerraformTemplate. */
const literal = escapeTerraformTemplate;

function labelList(labels: Record<string, string>): Array<{ label: string; value: string }> | undefined {
  return nonEmpty(Object.entries(labels).map(([label, value]) => ({ label: literal(label), value: literal(value) })));
}

/** Leaves empty lists out of the output. */
function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** Services ordered so that each comes after the services it depends on (no cycles: checked before). */
function startOrder(services: Readonly<Record<string, ServiceSpec>>): string[] {
  const ordered = new Set<string>();
  const visit = (name: string) => {
    if (ordered.has(name)) return;
    Object.keys(dependencyConditions(services[name].dependsOn)).forEach(visit);
    ordered.add(name);
  };
  Object.keys(services).forEach(visit);
  return [...ordered];
}

function nonEmptyMap(map: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}
