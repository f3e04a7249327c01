/**
 * Local stand-in images for a test host, tagged with the names the stacks use: no registry is
 * reachable, so nothing can be pulled. Each is `docker import` of a busybox-static rootfs (from the
 * host's own busybox-static package) whose entrypoint serves a page on the service's ports with
 * busybox httpd and stops on SIGTERM. Commands a healthcheck calls that busybox lacks
 * (pg_isready, redis-cli) exit 0: the images' own programs are not what these tests check.
 */
import type { TestHost } from "./test-hosts";

export interface StandinImage {
  /** The real image reference, e.g. `postgres:16.4-alpine`. */
  readonly tag: string;
  /** Ports the stand-in serves (the service's `expose` and published container ports). */
  readonly ports: readonly number[];
}

const ENTRYPOINT = `#!/bin/sh
# Stand-in for a real image: serves /www on each of its ports, stops on SIGTERM.
for port in $(echo "$STANDIN_PORTS" | tr , " "); do httpd -p "$port" -h /www; done
trap 'exit 0' TERM INT
while :; do sleep 1 & wait $!; done
`;

/** Builds the stand-in rootfs once, then imports it under each tag. */
export function importStandinImages(host: TestHost, images: readonly StandinImage[], fakeCommands: readonly string[]): void {
  const script = [
    "set -eu",
    "rm -rf /tmp/standin && mkdir -p /tmp/standin/bin /tmp/standin/usr/local/bin /tmp/standin/www /tmp/standin/tmp",
    "cp /bin/busybox /tmp/standin/bin/busybox",
    'for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "/tmp/standin/bin/$a"; done',
    // Scripts, not links to busybox: busybox picks its applet by the name it is called by.
    ...fakeCommands.map((c) => `printf '#!/bin/sh\\nexit 0\\n' > /tmp/standin/usr/local/bin/${c} && chmod 755 /tmp/standin/usr/local/bin/${c}`),
    "echo stand-in > /tmp/standin/www/index.html",
    "cat > /tmp/standin/standin <<'ENTRYPOINT'",
    ENTRYPOINT.trimEnd(),
    "ENTRYPOINT",
    "chmod 755 /tmp/standin/standin && chmod 1777 /tmp/standin/tmp",
    "tar -C /tmp/standin -cf /tmp/standin.tar .",
    ...images.map(
      (image) =>
        `docker import --change 'ENTRYPOINT ["/standin"]' --change 'ENV PATH=/usr/local/bin:/bin' --change 'ENV STANDIN_PORTS=${image.ports.join(",")}' /tmp/standin.tar '${image.tag}' >/dev/null`,
    ),
    "rm -rf /tmp/standin /tmp/standin.tar",
  ].join("\n");
  host.sh(script, { timeoutMs: 300_000 });
}
