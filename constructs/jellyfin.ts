import { Construct } from "constructs";
import { HARDENED } from "../lib/catalog/hardened";
import { invalid } from "../lib/errors";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { ReverseProxy } from "./reverse-proxy";

/** Pinned image (official, Debian based). */
export const JELLYFIN_IMAGE = "jellyfin/jellyfin:10.10.7";
/**
 * Jellyfin states no minimum; its recommended system has "RAM: 8GB or above" (jellyfin.org,
 * docs/general/administration/hardware-selection/index.md). Transcoding is what needs it.
 */
export const JELLYFIN_MEMORY_MB = 8192;
const PORT = 8096;

/** The engine, proxy, host name and media of a Jellyfin server. */
export interface JellyfinProps {
  readonly engine: DockerEngine;
  readonly proxy: ReverseProxy;
  /** Public host name, e.g. `media.home.example.com`. */
  readonly host: string;
  /** Absolute path of the media library on the VM (an NFS mount, say), mounted read-only at /media. */
  readonly mediaPath: string;
  /**
   * Hardware transcoding through `/dev/dri`. The VM must have the GPU passed through
   * (DockhostVm `hostPci`); checked.
   * @default false
   */
  readonly hardwareAcceleration?: boolean;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default JELLYFIN_IMAGE
   */
  readonly image?: string;
  /**
   * Memory limit, MB.
   * @default JELLYFIN_MEMORY_MB (8192, upstream's recommendation)
   */
  readonly memoryLimitMb?: number;
}

/**
 * Jellyfin behind the proxy: configuration backed up, cache not (thumbnails and transcodes are
 * rebuilt), media read-only from the VM.
 */
export class Jellyfin extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;

  constructor(scope: Construct, id: string, props: JellyfinProps) {
    super(scope, id);
    if (!props.mediaPath.startsWith("/")) invalid({ path: this.node.path, key: "mediaPath", value: props.mediaPath, allowed: "an absolute path on the VM" });
    const gpu = props.hardwareAcceleration === true;
    const vm = props.engine.dockerHost.vm;
    if (gpu && vm.hostPci.length === 0) {
      invalid({ path: this.node.path, key: "hardwareAcceleration", value: true, allowed: `false, or pass the GPU through to VM ${vm.node.path} first (its hostPci prop): without it the VM has no /dev/dri` });
    }
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName: props.stackName ?? id,
      volumes: {
        config: { sizeBudgetGb: 2 },
        cache: { sizeBudgetGb: 5, backup: false, noBackupReason: "thumbnails and transcodes: Jellyfin rebuilds them" },
      },
      services: {
        jellyfin: {
          ...HARDENED,
          image: props.image ?? JELLYFIN_IMAGE,
          volumes: [
            { volume: "config", target: "/config" },
            { volume: "cache", target: "/cache" },
            { hostPath: props.mediaPath, target: "/media", readOnly: true },
          ],
          ...(gpu && { devices: [{ hostPath: "/dev/dri" }] }),
          // The server answers /health with "Healthy" (Jellyfin's HealthChecks endpoint); the image has curl.
          healthcheck: { test: ["CMD", "curl", "-fsS", `http://127.0.0.1:${PORT}/health`], interval: "30s", timeout: "5s", retries: 3, startPeriod: "1m" },
          memoryLimitMb: props.memoryLimitMb ?? JELLYFIN_MEMORY_MB,
          expose: [PORT],
        },
      },
    });
    this.service = this.stack.service("jellyfin");
    props.proxy.expose(this.service, { host: props.host, port: PORT, middlewares: [props.proxy.securityHeaders] });
  }
}
