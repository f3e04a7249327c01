import { DOCKER_ENGINE } from "./compatibility";
import { renderHostTemplate } from "./host-template";

/**
 * Docker's apt repository, with no keyserver at boot: the armored key travels in user-data.
 *
 * cloud-init/docker-apt-key.asc is the key published at https://download.docker.com/linux/ubuntu/gpg,
 * taken from a stored public copy (a repository that vendors that URL's content); its fingerprint
 * is checked with `gpg --show-keys` by __tests__/docker-host.test.ts against the one Docker's
 * install documentation publishes.
 */
export const DOCKER_APT_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";

export function dockerAptKey(): string {
  return renderHostTemplate("docker-apt-key.asc", {});
}

/** The cloud-config `apt` section: Docker's source signed by the embedded key (`$KEY_FILE`). */
export function dockerAptSource(distribution: "ubuntu" | "debian" = "ubuntu"): Record<string, unknown> {
  return {
    sources: {
      docker: {
        source: `deb [arch=amd64 signed-by=$KEY_FILE] https://download.docker.com/linux/${distribution} $RELEASE stable`,
        key: dockerAptKey(),
      },
    },
  };
}

/** Where the engine pin goes; apt reads every file of preferences.d. */
export const DOCKER_PREFERENCES_PATH = "/etc/apt/preferences.d/dockhost-docker-engine";
/** Where the unattended-upgrades origin goes (after 50unattended-upgrades, whose list it extends). */
export const DOCKER_UPGRADES_PATH = "/etc/apt/apt.conf.d/52dockhost-docker-upgrades";

/** apt preferences that hold docker-ce to {@link DOCKER_ENGINE}'s major version. */
export function dockerEnginePreferences(): string {
  return renderHostTemplate("docker-engine.pref", { ENGINE_MAJOR: DOCKER_ENGINE.major });
}

/** apt.conf snippet letting unattended-upgrades install Docker's (pinned) patch releases. */
export function dockerUnattendedUpgrades(): string {
  return renderHostTemplate("52dockhost-docker-upgrades", {});
}
