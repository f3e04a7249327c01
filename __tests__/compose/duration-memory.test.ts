import { isDuration } from "../../lib/compose/duration";
import { parseMemory } from "../../lib/compose/memory";

describe("isDuration", () => {
  it.each(["10s", "1m30s", "1h", "1.5h", "500ms", "250us", "250µs", "10ns", "0s", "2h45m10s500ms"])(
    "accepts %s",
    (text) => {
      expect(isDuration(text)).toBe(true);
    },
  );

  it.each(["", "10", "s", "10 s", "1s1m", "10sec", "1.s", "-5s", "1m1m", "5d"])("rejects %j", (text) => {
    expect(isDuration(text)).toBe(false);
  });
});

describe("parseMemory", () => {
  it.each<[string | number, number]>([
    ["512m", 512],
    ["512M", 512],
    ["512mb", 512],
    ["512MiB", 512],
    ["1g", 1024],
    ["1.5gb", 1536],
    ["1 GB", 1024],
    ["2048k", 2],
    ["1t", 1024 * 1024],
    ["1048576", 1],
    ["1048576b", 1],
    [536870912, 512],
    ["100k", 100 / 1024],
  ])("reads %j as %d MiB", (value, megabytes) => {
    expect(parseMemory(value)).toBeCloseTo(megabytes, 10);
  });

  it.each<string | number>(["", "m", "-1g", "1x", "1.5.2g", "1gbb", "one", -1, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects %j",
    (value) => {
      expect(parseMemory(value)).toBeUndefined();
    },
  );
});
