/**
 * The compatibility record (lib/compatibility.ts) holds every pinned image that talks to the Docker
 * API, and the engine major the VM installs: a pin that moves outside what the record allows fails.
 */
import { checkPin, DOCKER_ENGINE, IMAGE_COMPATIBILITY, PINNED_IMAGES, recordKeyOf } from "../lib/compatibility";
import { dockerEnginePreferences } from "../lib/docker-apt";
import { CADVISOR_IMAGE, SOCKET_PROXY_IMAGE, TRAEFIK_IMAGE, VOLUME_BACKUP_IMAGE } from "../lib/images";

describe("compatibility record", () => {
  test.each(PINNED_IMAGES.map((i) => [i]))("%s is within its record", (image) => {
    expect(checkPin(image)).toBeUndefined();
  });

  test("every pinned Docker-API client is covered, and every record names its sources", () => {
    expect(PINNED_IMAGES).toEqual(expect.arrayContaining([TRAEFIK_IMAGE, SOCKET_PROXY_IMAGE, VOLUME_BACKUP_IMAGE, CADVISOR_IMAGE]));
    expect(PINNED_IMAGES.map(recordKeyOf).sort()).toEqual(Object.keys(IMAGE_COMPATIBILITY).sort());
    for (const record of Object.values(IMAGE_COMPATIBILITY)) {
      expect(record.facts.length).toBeGreaterThan(0);
      record.facts.forEach((f) => expect(f.source).toMatch(/\//));
    }
  });

  test.each([
    ["traefik:v3.2.3", /traefik >= 3\.6\.1/], // hard-codes API 1.24, refused by Docker 29
    ["traefik:v3.6.0", /traefik >= 3\.6\.1/],
    ["traefik:v4.0.0", /< 4\.0\.0/],
    ["tecnativa/docker-socket-proxy:0.3.0", /docker-socket-proxy >= 0\.4\.1/], // writes under / with a read-only root
    ["offen/docker-volume-backup:latest", /not a version/],
    ["nginx:1.27.3", /no compatibility record/],
  ])("the record refuses %s", (image, message) => {
    expect(checkPin(image)).toMatch(message);
  });

  test("the engine packages are pinned to the record's major", () => {
    expect(dockerEnginePreferences()).toContain(`Pin: version 5:${DOCKER_ENGINE.major}.*`);
  });
});
