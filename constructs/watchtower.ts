import { Construct } from "constructs";
import { HARDENED } from "../lib/catalog/hardened";
import { invalid } from "../lib/errors";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { dockerSocketProxy } from "./docker-socket-proxy";
import { Secret } from "./secret";

/** Pinned image: the maintained fork (containrrr/watchtower was archived in December 2025). */
export const WATCHTOWER_IMAGE = "nickfedor/watchtower:1.20.3";
/** The label a service sets (in its spec's `labels`) to be watched. Databases must not: DH-AUTO-UPDATE-DATABASE. */
export const WATCHTOWER_OPT_IN: Readonly<Record<string, string>> = { "com.centurylinklabs.watchtower.enable": "true" };
/** Watchtower states no memory figure; it is one small Go daemon. */
const MEMORY_MB = 128;
/** Six-field cron (seconds first), as Watchtower's --schedule reads it. */
const CRON6 = /^(\S+\s+){5}\S+$/;

/** The engine, schedule and notifications of a Watchtower. */
export interface WatchtowerProps {
  readonly engine: DockerEngine;
  /**
   * `monitor`: check the opted-in containers' images and notify when a newer one is published;
   * change nothing. `update` (recreate containers) is refused: see the class comment.
   * @default "monitor"
   */
  readonly mode?: "monitor" | "update";
  /**
   * When to check, six-field cron with seconds (`0 0 4 * * *`: 04:00 daily).
   * @default "0 0 4 * * *"
   */
  readonly schedule?: string;
  /**
   * Shoutrrr URL(s) for notifications (`ntfy://...`, `smtp://...`): credentials, so a Secret.
   * @default none: findings are only logged
   */
  readonly notificationUrl?: Secret;
  /**
   * Stack name on the host; the socket proxy's is `<stackName>-socket`.
   * @default the construct id
   */
  readonly stackName?: string;
}

/**
 * Watchtower in monitor-only mode: it watches only containers labelled {@link WATCHTOWER_OPT_IN}
 * and reports new images; updates then arrive the IaC way (`dockhost updates --pin --bump`, a
 * commit, `cdktf deploy`). Auto-update is refused: Watchtower recreates a container under the
 * same name with a new id, the Docker provider then reads the old id, finds it gone and plans a
 * create, which fails because the name is taken (kreuzwerker/terraform-provider-docker,
 * internal/provider/resource_docker_container_funcs.go, the container read).
 */
export class Watchtower extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;

  constructor(scope: Construct, id: string, props: WatchtowerProps) {
    super(scope, id);
    const path = this.node.path;
    if (props.mode === "update") {
      invalid({
        path,
        key: "mode",
        value: "update",
        allowed:
          '"monitor": a container Watchtower recreates gets a new id under the same name, so the next terraform plan wants to create it again and the apply fails on the taken name; update by bumping the image in code (dockhost updates --pin --bump) instead',
      });
    }
    const schedule = props.schedule ?? "0 0 4 * * *";
    if (!CRON6.test(schedule.trim())) invalid({ path, key: "schedule", value: schedule, allowed: 'a six-field cron with seconds first, e.g. "0 0 4 * * *"' });
    const stackName = props.stackName ?? id;
    // Monitor-only still pulls a changed image to compare it: images need POST (which also opens
    // container writes; Watchtower in monitor mode does not use them).
    const socket = dockerSocketProxy(this, "socket-proxy", {
      engine: props.engine,
      stackName: `${stackName}-socket`,
      allow: ["CONTAINERS", "IMAGES", "INFO", "VERSION", "PING", "POST"],
      client: "Watchtower (monitor-only)",
    });
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName,
      services: {
        watchtower: {
          ...HARDENED,
          image: WATCHTOWER_IMAGE,
          // Flags as environment variables, as nicholas-fedor/watchtower v1.20.3 binds them
          // (internal/flags/{docker,update,filter,schedule,notify}/register.go EnvKeys: DOCKER_HOST,
          // WATCHTOWER_MONITOR_ONLY, WATCHTOWER_LABEL_ENABLE, WATCHTOWER_SCHEDULE,
          // WATCHTOWER_NOTIFICATION_URL); the schedule parser takes seconds (internal/scheduling).
          environment: {
            DOCKER_HOST: socket.endpoint,
            WATCHTOWER_MONITOR_ONLY: "true",
            WATCHTOWER_LABEL_ENABLE: "true",
            WATCHTOWER_SCHEDULE: schedule,
          },
          ...(props.notificationUrl && { secrets: { WATCHTOWER_NOTIFICATION_URL: props.notificationUrl } }),
          memoryLimitMb: MEMORY_MB,
        },
      },
    });
    this.service = this.stack.service("watchtower");
    socket.serve(this.service);
  }
}
