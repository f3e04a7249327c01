/**
 * Host tier: Watchtower and Terraform on one real engine (a test host's dockerd). The apps stack
 * is applied with terraform; the stand-in Docker provider creates, reads and deletes its
 * containers on the host's engine the way kreuzwerker 3.6.2 does (support/terraform/
 * standin-engine.js). The Watchtower image cannot be pulled here, so what it does is replayed with
 * the docker CLI, step by step as nicholas-fedor/watchtower v1.20.3 does it:
 *
 * - monitor-only (our mode): internal/actions/update.go collects containers to restart only
 *   `if c.ToRestart() && !c.IsMonitorOnly(config)`, so nothing is stopped or recreated; the
 *   staleness check before it pulls the tag (pkg/container/image.go IsContainerStale →
 *   PullImage, skipped for `@sha256:` pins: IsImagePinnedByDigest), so the tag moves locally.
 * - update (refused by the construct): update.go stopStaleContainer → client.StopAndRemoveContainer
 *   (pkg/container/container_source.go StopAndRemoveSourceContainer: ContainerStop, then
 *   ContainerRemove with Force), then restartStaleContainer → client.CreateContainer
 *   (pkg/container/container_target.go CreateTargetContainer: ContainerCreate with the old
 *   container's config and an empty name, then ContainerRename to the old name) and
 *   StartContainerByID.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { ComposeStack } from "../../constructs/compose-stack";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostStack } from "../../constructs/dockhost-stack";
import { DockhostVm } from "../../constructs/dockhost-vm";
import { ProxmoxConnection } from "../../constructs/proxmox-connection";
import { Watchtower, WATCHTOWER_OPT_IN } from "../../constructs/watchtower";
import { SETTINGS } from "../../main";
import { importStandinImages } from "../support/standin-images";
import { REFERENCE_INFRA_VARS, tempDir } from "../support/synth";
import { prepareWorkspace, TerraformError, TerraformWorkspace } from "../support/terraform/harness";
import { bootTestHost, createTestNetwork, ensureRoot, hostTier, TestHost, TestNetwork, waitFor, teardownHostTier } from "../support/test-hosts";

const SITE_IMAGE = "traefik/whoami:v1.10.3";
/** A registry inside the test host (docker treats loopback registries as insecure-allowed): pins need a registry digest. */
const LOCAL_REGISTRY = "127.0.0.1:5000";
const PINNED_TAG = `${LOCAL_REGISTRY}/tools/pinned:1.0`;
const CONTAINER = "site-web";
const ADDRESS = "docker_container.site_web";

hostTier.describe("Watchtower (monitor-only) and terraform on a real engine", () => {
  let net: TestNetwork;
  let host: TestHost;
  let ws: TerraformWorkspace;
  let images: readonly string[];
  let pinnedImage: string;
  const timings: Record<string, number> = {};

  /** A new image under an existing tag, as a registry push followed by Watchtower's pull leaves it. */
  const publishNewImage = (tag: string, version: string): string => {
    host.sh(`mkdir -p /tmp/next/www && echo ${version} > /tmp/next/www/version && tar -C /tmp/next -cf /tmp/next.tar . && rm -rf /tmp/next`);
    // A layer on top of the stand-in: same entrypoint, a different image id.
    host.sh(`cid=$(docker create '${tag}') && docker cp /tmp/next.tar "$cid":/next.tar && docker commit "$cid" '${tag}' >/dev/null && docker rm "$cid" >/dev/null && rm /tmp/next.tar`);
    return imageIdOf(tag);
  };
  const imageIdOf = (reference: string): string => host.sh(`docker image inspect -f '{{.Id}}' '${reference}'`).trim();
  const inspect = (name: string): any => JSON.parse(host.sh(`docker inspect ${name}`))[0];
  const stateId = (): string => {
    const dir = ws.stackDir("dockhost-apps");
    const backend = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")).terraform.backend.local;
    const state = JSON.parse(fs.readFileSync(path.resolve(dir, backend.path), "utf8"));
    const container = state.resources.find((r: any) => r.type === "docker_container" && r.name === "site_web");
    return container.instances[0].attributes.id;
  };
  /** What a plan of the apps stack would change, as "address action" lines. */
  const changes = async (): Promise<string[]> => {
    const result = await ws.plan("dockhost-apps");
    if (!result.ok) throw new Error(result.error);
    return (result.plan.resource_changes ?? []).filter((r) => !r.change.actions.every((a) => a === "no-op" || a === "read")).map((r) => `${r.address} ${r.change.actions.join("+")}`);
  };

  beforeAll(async () => {
    const { root } = ensureRoot();
    net = createTestNetwork();
    let started = Date.now();
    // No user-data: this test is about the engine and terraform, not the first boot.
    host = await bootTestHost(root, net, { name: "watch", hostNumber: 12 });
    host.sh("systemctl start docker", { timeoutMs: 120_000 });
    await waitFor("dockerd", 60_000, () => host.exec(["docker", "info"]).code === 0);
    timings["boot + dockerd"] = Date.now() - started;
    // Debian's docker-registry (Go, linked to libc only) copied in and run in the host, and a
    // stand-in pushed to it: its digest is what `dockhost updates --pin` would write.
    fs.copyFileSync("/usr/bin/docker-registry", path.join(host.root, "usr/local/bin/docker-registry"));
    fs.chmodSync(path.join(host.root, "usr/local/bin/docker-registry"), 0o755);
    fs.writeFileSync(path.join(host.root, "etc/docker-registry.yml"), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/docker-registry\nhttp:\n  addr: ${LOCAL_REGISTRY}\n`);
    host.sh("systemd-run --unit=test-registry /usr/local/bin/docker-registry serve /etc/docker-registry.yml >/dev/null");
    await waitFor("the host's registry", 30_000, () => host.exec(["busybox", "wget", "-qO-", `http://${LOCAL_REGISTRY}/v2/`]).code === 0);
    importStandinImages(host, [{ tag: PINNED_TAG, ports: [] }], []);
    host.sh(`docker push -q ${PINNED_TAG} >/dev/null`, { timeoutMs: 120_000 });
    pinnedImage = `${PINNED_TAG}@${host.sh(`docker image inspect -f '{{index .RepoDigests 0}}' ${PINNED_TAG}`).trim().split("@")[1]}`;

    const app = new App({ outdir: tempDir("watchtower-host"), stackTraces: false });
    const infra = new DockhostStack(app, "dockhost-infra");
    new ProxmoxConnection(infra, "proxmox");
    const vm = new DockhostVm(infra, "dockhost", { ...SETTINGS.vm, count: 1, nodeName: SETTINGS.proxmox.node, datastoreId: SETTINGS.proxmox.datastore, snippetsDatastoreId: SETTINGS.proxmox.snippetsDatastore, lan: SETTINGS.lan });
    const dockerHost = new DockerHost(infra, "docker", { vm });
    const apps = new DockhostStack(app, "dockhost-apps");
    apps.addDependency(infra);
    const engine = dockerHost.connect(apps, { vmIndex: 0 });
    new ComposeStack(apps, "site", { engine, services: { web: { image: SITE_IMAGE, restart: "unless-stopped", labels: { ...WATCHTOWER_OPT_IN }, memoryLimitMb: 64, expose: [80] } } });
    new ComposeStack(apps, "tools", { engine, services: { pinned: { image: pinnedImage, restart: "unless-stopped", labels: { ...WATCHTOWER_OPT_IN }, memoryLimitMb: 64 } } });
    new Watchtower(apps, "watchtower", { engine });
    app.synth();
    images = engine.imageReferences;

    started = Date.now();
    importStandinImages(host, images.filter((image) => image !== pinnedImage).map((tag) => ({ tag, ports: [] })), []);
    timings["stand-in images"] = Date.now() - started;
    ws = prepareWorkspace(path.join(app.outdir, "stacks"), { timeoutMs: 180_000 });
    ws.useEngine(["nsenter", "-t", String(host.leaderPid), "-a", "docker"]);
    started = Date.now();
    await ws.apply("dockhost-infra", { vars: REFERENCE_INFRA_VARS });
    await ws.apply("dockhost-apps");
    timings["terraform apply"] = Date.now() - started;
  }, 10 * 60_000);

  afterAll(() => {
    ws?.cleanup();
    expect(teardownHostTier("watchtower", timings, net)).toEqual([]);
  });

  test("terraform apply ran the stack on the engine: the state's ids are the engine's, and the next plan is clean", async () => {
    const names = host.sh("docker ps --format '{{.Names}}'").split("\n").filter(Boolean).sort();
    expect(names).toEqual(expect.arrayContaining([CONTAINER, "watchtower-watchtower"]));
    expect(inspect(CONTAINER).Id).toBe(stateId());
    expect(inspect(CONTAINER).Config.Labels).toMatchObject(WATCHTOWER_OPT_IN);
    expect(inspect(CONTAINER).Image).toBe(imageIdOf(SITE_IMAGE));
    expect(await changes()).toEqual([]);
  });

  test("monitor-only: a new image under the same tag recreates nothing; the next apply rolls the container to it and then plans clean", async () => {
    const before = inspect(CONTAINER);
    // Watchtower's staleness check pulls the tag (the new image is now local), reports, and stops there.
    const newImage = publishNewImage(SITE_IMAGE, "2");
    expect(newImage).not.toBe(before.Image);
    const after = inspect(CONTAINER);
    expect([after.Id, after.Image, after.State.Running]).toEqual([before.Id, before.Image, true]);
    // kreuzwerker's image read looks the tag up locally and finds the pulled image, so the
    // container's image (force-new) changed: Terraform replaces it, destroying the old one first.
    expect(await changes()).toEqual([`${ADDRESS} delete+create`]);
    const started = Date.now();
    await ws.apply("dockhost-apps");
    timings["apply of the new image"] = Date.now() - started;
    const replaced = inspect(CONTAINER);
    expect(replaced.Id).not.toBe(before.Id);
    expect(replaced.Id).toBe(stateId());
    expect(replaced.Image).toBe(newImage);
    expect(await changes()).toEqual([]);
  });

  test("monitor-only with an image pinned by digest: Watchtower skips it, and even a pulled tag leaves the plan clean", async () => {
    // image.go PullImage: IsImagePinnedByDigest → errPinnedImage, so IsContainerStale reports it
    // not stale: no pull, no notification. Worse case here: the tag moved and was pulled anyway.
    const before = inspect("tools-pinned");
    publishNewImage(PINNED_TAG, "2");
    host.sh(`docker push -q ${PINNED_TAG} >/dev/null && docker pull -q ${PINNED_TAG} >/dev/null`, { timeoutMs: 120_000 });
    expect(imageIdOf(PINNED_TAG)).not.toBe(before.Image);
    // kreuzwerker's image read finds the pinned reference's own image: nothing moves.
    expect(imageIdOf(pinnedImage)).toBe(before.Image);
    expect(await changes()).toEqual([]);
    expect(inspect("tools-pinned").Id).toBe(before.Id);
  });

  test("update mode replayed with the docker CLI: the next plan re-creates the container and the apply fails on its name, which is why the construct refuses it", async () => {
    const old = inspect(CONTAINER);
    const newImage = publishNewImage(SITE_IMAGE, "3");
    // StopAndRemoveSourceContainer: stop, then remove (forced).
    host.sh(`docker stop -t 10 ${old.Id} >/dev/null && docker rm -f ${old.Id} >/dev/null`);
    // CreateTargetContainer: the old container's config, the new image, no name; then the rename.
    const config = [
      ...old.Config.Env.map((e: string) => `--env '${e}'`),
      ...Object.entries(old.Config.Labels as Record<string, string>).map(([k, v]) => `--label '${k}=${v}'`),
      `--restart ${old.HostConfig.RestartPolicy.Name}`,
    ].join(" ");
    const created = host.sh(`docker create ${config} '${SITE_IMAGE}'`).trim();
    host.sh(`docker rename ${created} ${CONTAINER} && docker start ${created} >/dev/null`);
    const updated = inspect(CONTAINER);
    expect([updated.Id, updated.Image, updated.State.Running]).toEqual([created, newImage, true]);

    // The read finds no container with the state's id: the resource leaves state and is planned anew.
    expect(await changes()).toEqual([`${ADDRESS} create`]);
    const failed = await ws.apply("dockhost-apps").then(
      () => undefined,
      (error: TerraformError) => error,
    );
    expect(failed).toBeInstanceOf(TerraformError);
    // (terraform wraps the diagnostic's lines)
    expect(failed!.message.replace(/\s+/g, " ")).toMatch(new RegExp(`Unable to create container: .*Conflict\\. The container name "/${CONTAINER}" is already in use by container "${created}"`));
    // Watchtower's container is untouched by the failed apply.
    expect(inspect(CONTAINER).Id).toBe(created);
    // The refusal at synth names this failure.
    const app = new App({ outdir: tempDir("watchtower-refusal"), stackTraces: false });
    const infra = new DockhostStack(app, "dockhost-infra");
    const vm = new DockhostVm(infra, "dockhost", { ...SETTINGS.vm, count: 1, nodeName: SETTINGS.proxmox.node, datastoreId: SETTINGS.proxmox.datastore, snippetsDatastoreId: SETTINGS.proxmox.snippetsDatastore, lan: SETTINGS.lan });
    const engine = new DockerHost(infra, "docker", { vm }).connect(new DockhostStack(app, "dockhost-apps"), { vmIndex: 0 });
    expect(() => new Watchtower(engine.node.scope!, "watchtower", { engine, mode: "update" })).toThrow(/new id under the same name.*plan wants to create it again.*apply fails on the taken name/);

    // The recovery the README gives: remove Watchtower's copy; the apply then creates Terraform's.
    host.sh(`docker rm -f ${CONTAINER} >/dev/null`);
    await ws.apply("dockhost-apps");
    expect(inspect(CONTAINER).Id).toBe(stateId());
    expect(await changes()).toEqual([]);
  });
});
