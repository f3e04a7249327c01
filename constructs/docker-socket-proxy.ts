import { Construct } from "constructs";
import { SOCKET_PROXY_IMAGE as PINNED_SOCKET_PROXY_IMAGE } from "../lib/images";
import { suppress } from "../lib/policy/suppressions";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";

/** Pinned image (lib/images.ts): from 0.4.0 the entrypoint writes its config under /tmp, a tmpfs here. */
export const SOCKET_PROXY_IMAGE = PINNED_SOCKET_PROXY_IMAGE;
const SERVICE = "socket-proxy";
const PORT = 2375;

/**
 * Docker API sections the proxy can open (its environment variables). POST opens every
 * non-GET request of the other open sections; ALLOW_START and ALLOW_STOP open only
 * `/containers/{id}/start` and `/stop`.
 */
export type DockerApiSection =
  | "CONTAINERS" | "EVENTS" | "EXEC" | "INFO" | "PING" | "POST" | "VERSION" | "ALLOW_START" | "ALLOW_STOP"
  | "IMAGES" | "NETWORKS" | "VOLUMES" | "SYSTEM" | "SERVICES" | "TASKS" | "NODES";
/** Sections the image opens unless told not to, and POST, which is spelled out either way. */
const CLOSED_EXPLICITLY: readonly DockerApiSection[] = ["EVENTS", "PING", "POST", "VERSION"];

/** The engine, stack name and allowed API sections of a socket proxy. */
export interface DockerSocketProxyProps {
  readonly engine: DockerEngine;
  /** Stack name: its internal network is the one clients join. */
  readonly stackName: string;
  /** The API sections the clients need; every other request gets 403. */
  readonly allow: readonly DockerApiSection[];
  /** Who the proxy serves, for the reason of the docker.sock suppression (e.g. "Traefik"). */
  readonly client: string;
  /**
   * On a Swarm engine: the node (hostname) whose engine the proxy serves, for clients that act on
   * that node's containers (exec, stop).
   * @default a manager (only a manager answers the Swarm API: services, tasks, nodes)
   */
  readonly node?: string;
}

/** A socket proxy stack and how clients reach it. */
export interface DockerSocketProxy {
  /** The proxy's stack; its own network is internal (no route out). */
  readonly stack: ComposeStack;
  /** `DOCKER_HOST`-style URL for clients on the proxy's network. */
  readonly endpoint: string;
  /** Joins `service` to the proxy's network. */
  serve(service: ComposeService): void;
}

/**
 * A `tecnativa/docker-socket-proxy` stack: the only container that holds docker.sock, on an
 * internal network of its own, serving its clients only the API sections they need. Mounting
 * docker.sock into a client, even read-only, would not restrict the API at all.
 */
export function dockerSocketProxy(scope: Construct, id: string, props: DockerSocketProxyProps): DockerSocketProxy {
  const environment = Object.fromEntries([
    ...props.allow.map((section) => [section, "1"]),
    ...CLOSED_EXPLICITLY.filter((section) => !props.allow.includes(section)).map((section) => [section, "0"]),
  ]);
  const stack = new ComposeStack(scope, id, {
    engine: props.engine,
    stackName: props.stackName,
    internalNetwork: true,
    services: {
      [SERVICE]: {
        image: SOCKET_PROXY_IMAGE,
        environment,
        volumes: [{ hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }],
        expose: [PORT],
        readOnly: true,
        tmpfs: ["/run", "/tmp"],
        restart: "unless-stopped",
        // docker_service 3.6.2 has no security_opt (lib/compose/swarm-service.ts).
        securityOpt: props.engine.swarm ? undefined : ["no-new-privileges:true"],
        memoryLimitMb: 64,
        // Only a manager answers the Swarm API (services, tasks, nodes); exec reaches only the local engine.
        deploy: props.engine.swarm && { placement: { constraints: [props.node === undefined ? "node.role == manager" : `node.hostname == ${props.node}`] } },
      },
    },
  });
  suppress(
    stack.service(SERVICE).resource,
    "DH-DOCKER-SOCKET",
    `This is the socket proxy: it alone holds docker.sock and serves ${props.client} only ${props.allow.join(", ")}, on an internal network.`,
  );
  return {
    stack,
    endpoint: `tcp://${SERVICE}:${PORT}`,
    serve: (service) => service.stack.attachNetwork(service.name, stack.network),
  };
}
