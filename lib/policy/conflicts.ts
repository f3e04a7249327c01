import { IConstruct } from "constructs";
import { DEFAULT_PORT_PROTOCOL } from "../compose/service";
import { portBindingsOverlap } from "../compose/port-binding";
import { formatPort } from "../compose/short-syntax";
import { HomelabModel } from "./types";

/** A problem that spans constructs; conflicts are never suppressible. */
export interface CrossFinding {
  readonly ruleId: string;
  readonly level: "error" | "warning";
  readonly construct: IConstruct;
  readonly key: string;
  readonly message: string;
  readonly suppressible: boolean;
}

export const CONFLICT_RULES = {
  port: "DH-CONFLICT-PORT",
  route: "DH-CONFLICT-ROUTE",
  containerName: "DH-CONFLICT-CONTAINER-NAME",
  volume: "DH-CONFLICT-VOLUME",
} as const;

/**
 * Conflicts across stacks, which one stack alone cannot see: two containers publishing the same
 * host port, two routes for one host and path, two containers or volumes with one name on a VM.
 * Each check buckets by key first, so the cost grows with the number of items, not its square.
 */
export function findConflicts(model: HomelabModel): CrossFinding[] {
  return [...portConflicts(model), ...routeConflicts(model), ...nameConflicts(model)];
}

function portConflicts(model: HomelabModel): CrossFinding[] {
  const buckets = new Map<string, Array<{ where: string; construct: IConstruct; key: string; port: Parameters<typeof formatPort>[0]; stack: unknown }>>();
  const findings: CrossFinding[] = [];
  for (const stack of model.stacks) {
    for (const service of stack.services) {
      (service.spec.ports ?? []).forEach((port, i) => {
        if (port.hostPort === undefined) return;
        const bucketKey = `${stack.vmKey}|${port.hostPort}/${port.protocol ?? DEFAULT_PORT_PROTOCOL}`;
        const bucket = buckets.get(bucketKey) ?? [];
        const other = bucket.find((b) => b.stack !== stack && portBindingsOverlap(b.port, port));
        if (other) {
          findings.push({ ruleId: CONFLICT_RULES.port, level: "error", construct: service.construct, key: `ports[${i}]`, message: `publishes ${formatPort(port)}, already published by ${other.where} (${formatPort(other.port)}) on the same VM; publish another host port`, suppressible: false });
        }
        bucket.push({ where: service.containerName, construct: service.construct, key: `ports[${i}]`, port, stack });
        buckets.set(bucketKey, bucket);
      });
    }
  }
  return findings;
}

function routeConflicts(model: HomelabModel): CrossFinding[] {
  const seen = new Map<string, string>();
  const findings: CrossFinding[] = [];
  for (const proxy of model.proxies) {
    for (const route of proxy.routes) {
      const key = `${route.host}${route.pathPrefix ?? ""}`;
      const other = seen.get(key);
      if (other) findings.push({ ruleId: CONFLICT_RULES.route, level: "error", construct: proxy.construct, key: "routes", message: `routes ${key} to ${route.containerName}, already routed by ${other}; route another host or path`, suppressible: false });
      else seen.set(key, `${proxy.construct.node.path} to ${route.containerName}`);
    }
  }
  return findings;
}

/** Container and volume names are per VM, whichever engine (Terraform stack) reaches it. */
function nameConflicts(model: HomelabModel): CrossFinding[] {
  const containers = new Map<string, string>();
  const volumes = new Map<string, string>();
  const findings: CrossFinding[] = [];
  for (const stack of model.stacks) {
    const engine = stack.vmKey;
    const owner = `${stack.construct.node.path} (Terraform stack ${stack.terraformStack})`;
    for (const service of stack.services) {
      const key = `${engine}|${service.containerName}`;
      const other = containers.get(key);
      if (other) findings.push({ ruleId: CONFLICT_RULES.containerName, level: "error", construct: service.construct, key: "name", message: `container ${service.containerName} is also defined by ${other}; give one of the stacks another stackName`, suppressible: false });
      else containers.set(key, owner);
    }
    for (const volume of stack.volumes) {
      const name = volume.name;
      const key = `${engine}|${name}`;
      const other = volumes.get(key);
      if (other) findings.push({ ruleId: CONFLICT_RULES.volume, level: "error", construct: volume.construct, key: "name", message: `volume ${name} is also owned by ${other}; give one of the stacks another stackName`, suppressible: false });
      else volumes.set(key, owner);
    }
  }
  return findings;
}
