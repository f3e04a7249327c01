import { stringify } from "yaml";
import { isDuration } from "../../lib/compose/duration";
import { checkPrometheusInterval, isPrometheusDuration, parsePrometheusDuration } from "../../lib/monitoring/prometheus-duration";
import { promtoolCheckConfig } from "../support/validators";
import { needs } from "../support/requirements";

const ACCEPTED = ["15s", "1m", "5m", "1h30m", "1h0m", "01m", "30d", "2w", "1y2w3d4h5m6s7ms", "500ms", "0", "0s", "106751d"];
const REFUSED = ["", "10", "s", "1.5h", "1s1m", "1m1m", "10us", "10ns", "5M", "1y 2w", "-5m", "106752d", "300y"];

describe("isPrometheusDuration", () => {
  it.each(ACCEPTED)("accepts %s", (text) => {
    expect(isPrometheusDuration(text)).toBe(true);
  });

  it.each(REFUSED)("rejects %j", (text) => {
    expect(isPrometheusDuration(text)).toBe(false);
  });

  needs("promtool").it("agrees with promtool on every case above", () => {
    const promtoolAccepts = (text: string): boolean =>
      promtoolCheckConfig(stringify({ global: { scrape_interval: text } })).code === 0;
    expect([...ACCEPTED, ...REFUSED].filter((text) => promtoolAccepts(text) !== isPrometheusDuration(text))).toEqual([]);
  });

  it("differs from Docker's durations where Prometheus and Go disagree", () => {
    expect([isPrometheusDuration("1.5h"), isDuration("1.5h")]).toEqual([false, true]);
    expect([isPrometheusDuration("5d"), isDuration("5d")]).toEqual([true, false]);
    expect([isPrometheusDuration("250us"), isDuration("250us")]).toEqual([false, true]);
  });
});

describe("parsePrometheusDuration", () => {
  it.each<[string, number]>([
    ["0", 0],
    ["500ms", 500],
    ["15s", 15_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1y", 31_536_000_000],
  ])("reads %s as %d ms", (text, milliseconds) => {
    expect(parsePrometheusDuration(text)).toBe(milliseconds);
  });
});

describe("checkPrometheusInterval", () => {
  it("accepts a positive duration", () => {
    expect(() => checkPrometheusInterval("App/Monitoring", "scrapeInterval", "30s")).not.toThrow();
  });

  it.each(["0s", "0", "15 seconds"])("refuses %j with the path, key and value", (text) => {
    expect(() => checkPrometheusInterval("App/Monitoring", "scrapeInterval", text)).toThrow(
      `App/Monitoring: invalid scrapeInterval = ${JSON.stringify(text)}; a Prometheus duration greater than zero`,
    );
  });
});
