import { Construct } from "constructs";
import { checkInteger } from "../lib/bounds";
import { HARDENED } from "../lib/catalog/hardened";
import { invalid } from "../lib/errors";
import { suppress } from "../lib/policy/suppressions";
import { ComposeService, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { Secret } from "./secret";

/** Pinned image (Ubuntu based). */
export const GITLAB_RUNNER_IMAGE = "gitlab/gitlab-runner:v17.11.0";
/**
 * GitLab gives no figure: "GitLab Runner system requirements vary widely and depend on variables
 * unique to each use-case" (gitlab-runner docs/install, "System Requirements"). The runner process
 * is a small Go service, counted like one (256 MB); the jobs get `jobMemoryMb` each.
 */
export const GITLAB_RUNNER_MEMORY_MB = 256;
const METRICS_PORT = 9252;

/** The GitLab instance, token and job limits of a GitLab Runner. */
export interface GitLabRunnerProps {
  readonly engine: DockerEngine;
  /** The GitLab instance, e.g. `https://gitlab.com`. */
  readonly url: string;
  /** Runner authentication token (`glrt-...`, from GitLab's "New runner" page). */
  readonly token: Secret;
  /**
   * Memory limit of each job container, MB. Upstream gives no figure: your jobs decide. Job
   * containers are created by the runner, not Terraform: the capacity planner does not see them,
   * so keep `concurrent x jobMemoryMb` inside the VM's free memory.
   */
  readonly jobMemoryMb: number;
  /**
   * Jobs run at the same time.
   * @default 1
   */
  readonly concurrent?: number;
  /**
   * Image of jobs that name none.
   * @default "alpine:3.20.3"
   */
  readonly defaultJobImage?: string;
  /**
   * Stack name on the host.
   * @default the construct id
   */
  readonly stackName?: string;
  /**
   * Image, pinned.
   * @default GITLAB_RUNNER_IMAGE
   */
  readonly image?: string;
}

/**
 * A GitLab Runner with the Docker executor. Its configuration is written at each start from the
 * token (nothing to back up, nothing stale): `gitlab-runner register` into a tmpfs, then `run`.
 * Jobs run as sibling containers on the VM's engine, unprivileged, with a memory limit.
 */
export class GitLabRunner extends Construct {
  public readonly stack: ComposeStack;
  public readonly service: ComposeService;

  constructor(scope: Construct, id: string, props: GitLabRunnerProps) {
    super(scope, id);
    const path = this.node.path;
    if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(props.url)) invalid({ path, key: "url", value: props.url, allowed: "the GitLab instance's https:// URL, e.g. https://gitlab.com" });
    const jobMemoryMb = checkInteger(path, "jobMemoryMb", props.jobMemoryMb, { min: 64, max: 1_048_576 });
    const concurrent = checkInteger(path, "concurrent", props.concurrent ?? 1, { min: 1, max: 64 });
    const config = "/run/gitlab-runner/config.toml";
    // Options of `gitlab-runner register` (gitlab-runner commands/register.go); the token comes from the environment.
    const register = [
      "gitlab-runner register --non-interactive",
      `--config ${config}`,
      `--url '${props.url}'`,
      '--token "$RUNNER_TOKEN"',
      "--executor docker",
      `--docker-image '${props.defaultJobImage ?? "alpine:3.20.3"}'`,
      `--docker-memory ${jobMemoryMb}m`,
      "--docker-privileged=false",
    ].join(" ");
    this.stack = new ComposeStack(this, "stack", {
      engine: props.engine,
      stackName: props.stackName ?? id,
      services: {
        runner: {
          ...HARDENED,
          image: props.image ?? GITLAB_RUNNER_IMAGE,
          entrypoint: ["/bin/sh", "-c"],
          command: [`${register} && sed -i 's/^concurrent = .*/concurrent = ${concurrent}/' ${config} && exec gitlab-runner run --config ${config} --listen-address :${METRICS_PORT}`],
          secrets: { RUNNER_TOKEN: props.token },
          volumes: [{ hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock" }],
          tmpfs: ["/run/gitlab-runner"],
          memoryLimitMb: GITLAB_RUNNER_MEMORY_MB,
          expose: [METRICS_PORT],
          metrics: { port: METRICS_PORT },
        },
      },
    });
    this.service = this.stack.service("runner");
    suppress(
      this.service.container,
      "DH-DOCKER-SOCKET",
      "GitLab Runner's Docker executor creates, starts, execs into and removes job containers, images, networks and volumes: that is the whole API, so a socket proxy would restrict nothing.",
    );
  }
}
