import { Token } from "cdktf";
import { Construct } from "constructs";
import { HARDENED } from "../lib/catalog/hardened";
import { invalid } from "../lib/errors";
import { isHostname } from "../lib/hostname";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { DockerApiSection, dockerSocketProxy } from "./docker-socket-proxy";
import { ReverseProxy } from "./reverse-proxy";

/** Pinned image (Portainer CE 2.21 LTS). */
export const PORTAINER_IMAGE = "portainer/portainer-ce:2.21.5";
/**
 * "Portainer Server itself needs around 100MB of memory to run", more with many GitOps apps
 * (Portainer maintainers, github.com/orgs/portainer/discussions/12314): 256 MB leaves that room.
 */
export const PORTAINER_MEMORY_MB = 256;
const PORT = 9000;
/** What Portainer reads to list and inspect containers, images, networks, volumes and disk use. */
const READ_SECTIONS: readonly DockerApiSection[] = ["CONTAINERS", "IMAGES", "NETWORKS", "VOLUMES", "INFO", "VERSION", "PING", "EVENTS", "SYSTEM"];

/** The engine, proxy and host name of a Portainer, and whether it may change anything. */
export interface PortainerProps {
  readonly engine: DockerEngine;
  readonly proxy: ReverseProxy;
  /** Host name of the UI, e.g. `portainer.home.example.com`: LAN-only, TLS. */
  readonly host: string;
  /**
   * `read-only`: Portainer sees everything and can change nothing (the socket proxy refuses every
   * non-GET request), so what Terraform manages cannot drift through the UI. `manage`: it may
   * also start, stop, exec and create; then edit only what Terraform does not manage.
   * @default "read-only"
   */
  readonly access?: "read-only" | "manage";
  /**
   * Stack name on the host; the socket proxy's is `<stackName>-socket`.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default PORTAINER_IMAGE
   */
  readonly image?: string;
}

/**
 * Portainer CE behind the proxy (TLS, LAN-only middleware), reaching Docker through a socket proxy
 * on an internal network: it never mounts docker.sock. Its data (users, settings) is backed up.
 */
export class Portainer extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;
  /** The socket proxy's stack. */
  public readonly socketProxy: ComposeStack;

  constructor(scope: Construct, id: string, props: PortainerProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.host) && !isHostname(props.host)) invalid({ path: this.node.path, key: "host", value: props.host, allowed: "a lowercase host name such as portainer.home.example.com" });
    const stackName = props.stackName ?? id;
    const manage = props.access === "manage";
    const socket = dockerSocketProxy(this, "socket-proxy", {
      engine: props.engine,
      stackName: `${stackName}-socket`,
      allow: manage ? [...READ_SECTIONS, "POST", "EXEC"] : READ_SECTIONS,
      client: manage ? "Portainer (manage mode)" : "Portainer (read-only: no POST)",
    });
    this.socketProxy = socket.stack;
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName,
      volumes: { data: { sizeBudgetGb: 1 } },
      services: {
        portainer: {
          ...HARDENED,
          image: props.image ?? PORTAINER_IMAGE,
          // -H points Portainer's local environment at the proxy; plain HTTP inside, TLS at Traefik.
          command: ["-H", socket.endpoint, "--http-enabled"],
          volumes: [{ volume: "data", target: "/data" }],
          memoryLimitMb: PORTAINER_MEMORY_MB,
          expose: [PORT],
        },
      },
    });
    this.service = this.stack.service("portainer");
    socket.serve(this.service);
    props.proxy.expose(this.service, { host: props.host, port: PORT, middlewares: [props.proxy.lanOnly, props.proxy.securityHeaders] });
  }
}
