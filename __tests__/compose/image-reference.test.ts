import { DockhostInputError } from "../../lib/errors";
import { parseImageReference } from "../../lib/compose/image-reference";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    ["postgres", { repository: "postgres" }],
    ["postgres:16.4-alpine", { repository: "postgres", tag: "16.4-alpine" }],
    ["library/postgres:16", { repository: "library/postgres", tag: "16" }],
    ["ghcr.io/miniflux/miniflux:2.2.1", { registry: "ghcr.io", repository: "miniflux/miniflux", tag: "2.2.1" }],
    ["localhost/app", { registry: "localhost", repository: "app" }],
    ["localhost:5000/team/app:v1", { registry: "localhost:5000", repository: "team/app", tag: "v1" }],
    [
      "registry.lan:5000/a__b/c-d.e--f:V_1.x",
      { registry: "registry.lan:5000", repository: "a__b/c-d.e--f", tag: "V_1.x" },
    ],
    ["[::1]:5000/app", { registry: "[::1]:5000", repository: "app" }],
    ["192.168.1.5/app", { registry: "192.168.1.5", repository: "app" }],
    ["Registry/app", { registry: "Registry", repository: "app" }],
    [`nginx@${DIGEST}`, { repository: "nginx", digest: DIGEST }],
    [`postgres:16@${DIGEST}`, { repository: "postgres", tag: "16", digest: DIGEST }],
    [`app@sha512:${"0".repeat(128)}`, { repository: "app", digest: `sha512:${"0".repeat(128)}` }],
    ["localhost:5000", { repository: "localhost", tag: "5000" }],
  ])("reads %s", (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  it.each([
    ["", "it is empty"],
    ["Postgres", 'path component "Postgres" must be lowercase'],
    ["ghcr.io/Owner/app", 'path component "Owner" must be lowercase'],
    ["postgres:", 'the tag "" must match'],
    ["postgres:-16", 'the tag "-16" must match'],
    [`postgres:${"x".repeat(129)}`, "must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"],
    ["postgres@sha256:abc", 'the digest "sha256:abc" must be sha256:<64 hex digits>'],
    [`postgres@md5:${"a".repeat(32)}`, "the digest"],
    [`postgres@sha256:${"A".repeat(64)}`, "the digest"],
    ["foo//bar", 'path component ""'],
    ["-foo", 'path component "-foo"'],
    ["foo_", 'path component "foo_"'],
    ["foo___bar", 'path component "foo___bar"'],
    [":16", 'path component ""'],
    ["my image", 'path component "my image"'],
    ["registry.lan:port/app", 'the registry "registry.lan:port" must be host[:port]'],
    ["-bad.host/app", 'the registry "-bad.host"'],
    [`${"a".repeat(256)}`, "longer than 255 characters"],
  ])("rejects %j", (ref, problem) => {
    expect(() => parseImageReference(ref)).toThrow(problem);
  });

  it("names where the reference was written", () => {
    let caught: unknown;
    try {
      parseImageReference("Postgres:16", { path: "App/media", key: "services.db.image" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DockhostInputError);
    expect((caught as Error).message).toBe(
      'App/media: invalid services.db.image = "Postgres:16"; an image reference [registry/]repository[:tag][@digest]; ' +
        "the repository path component \"Postgres\" must be lowercase letters and digits, separated by '.', '_', '__' or dashes",
    );
  });
});
