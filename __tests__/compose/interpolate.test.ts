import { interpolate } from "../../lib/compose/interpolate";

const AT = { path: "compose file app.yml", key: "services.app.environment.URL" };
const VARIABLES = { HOST: "example.org", EMPTY: "", PORT: "8080" };
const expand = (template: string) => interpolate(template, VARIABLES, AT);

describe("interpolate", () => {
  it.each([
    ["plain text", "plain text"],
    ["https://${HOST}:${PORT}/", "https://example.org:8080/"],
    ["$HOST/$PORT", "example.org/8080"],
    ["$HOST_NAME_IS_LONGER", undefined],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${MISSING-fallback}", "fallback"],
    ["${HOST:-fallback}", "example.org"],
    ["${HOST:+set}", "set"],
    ["${EMPTY:+set}", ""],
    ["${EMPTY+set}", "set"],
    ["${MISSING+set}", ""],
    ["${MISSING:-${HOST}}", "example.org"],
    ["${MISSING:-a-${PORT}-b}", "a-8080-b"],
    ["${MISSING:-}", ""],
    ["${EMPTY?required}", ""],
    ["cost: $$5 and $${HOST}", "cost: $5 and ${HOST}"],
    ["$$$$", "$$"],
  ])("expands %j", (template, expected) => {
    if (expected === undefined) expect(() => expand(template)).toThrow("variable HOST_NAME_IS_LONGER is not set");
    else expect(expand(template)).toBe(expected);
  });

  it("never reads the process environment", () => {
    process.env.DOCKHOST_TEST_ONLY_IN_ENV = "leaked";
    try {
      expect(() => expand("${DOCKHOST_TEST_ONLY_IN_ENV}")).toThrow("variable DOCKHOST_TEST_ONLY_IN_ENV is not set");
    } finally {
      delete process.env.DOCKHOST_TEST_ONLY_IN_ENV;
    }
  });

  it("ignores names inherited from Object.prototype", () => {
    expect(() => expand("${constructor}")).toThrow("variable constructor is not set");
  });

  it("names the variable, the key and the template when a variable is missing", () => {
    expect(() => expand("postgres://app:${DB_PASSWORD}@db/app")).toThrow(
      'compose file app.yml: invalid services.app.environment.URL = "postgres://app:${DB_PASSWORD}@db/app"; ' +
        "variable DB_PASSWORD is not set; pass it in variables or give a default: ${DB_PASSWORD:-default}",
    );
  });

  it.each([
    ["${DB_PASSWORD:?set it in secrets.tfvars}", "variable DB_PASSWORD is required: set it in secrets.tfvars"],
    ["${EMPTY:?must not be empty}", "variable EMPTY is required: must not be empty"],
    ["${DB_PASSWORD?}", /variable DB_PASSWORD is required$/],
    ["${HOST", "a template whose ${ is closed by }"],
    ["${}", "a template where ${ is followed by a variable name"],
    ["${1ABC}", "a template where ${ is followed by a variable name"],
    ["${HOST:=x}", "a template ${NAME}, ${NAME:-default}"],
    ["cost: $5", "a template where a literal $ is written $$"],
    ["trailing $", "a template where a literal $ is written $$"],
  ])("rejects %j", (template, message: string | RegExp) => {
    expect(() => expand(template)).toThrow(message);
  });
});
