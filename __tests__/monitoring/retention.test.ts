import { prometheusRetentionSize } from "../../lib/monitoring/retention";

const PATH = "Homelab/Monitoring";
/** The seed VM: 50 GB disk less / 10 GB, swap 2 GB and 3 GB reserve. */
const DOCKER_DISK_GB = 35;

describe("prometheusRetentionSize", () => {
  it.each<[number, string]>([
    [5, "4GB"],
    [10, "8GB"],
    [35, "28GB"],
    [3, "2457MB"],
    [2.5, "2GB"],
    [1, "819MB"],
  ])("leaves 20%% of a %d GB budget for WAL and compaction: %s", (retentionSizeGb, flag) => {
    expect(prometheusRetentionSize(PATH, { retentionSizeGb, dockerDiskGb: DOCKER_DISK_GB })).toBe(flag);
  });

  it("writes values in Prometheus's units: a whole number and B, KB, MB, GB, TB, PB or EB", () => {
    for (const retentionSizeGb of [1, 1.1, 3, 7.3, 12, 35]) {
      expect(prometheusRetentionSize(PATH, { retentionSizeGb, dockerDiskGb: DOCKER_DISK_GB })).toMatch(/^[1-9]\d*(MB|GB)$/);
    }
  });

  it("refuses a retention budget larger than the docker disk, naming path, key and value", () => {
    expect(() => prometheusRetentionSize(PATH, { retentionSizeGb: 40, dockerDiskGb: DOCKER_DISK_GB })).toThrow(
      `${PATH}: invalid retentionSizeGb = 40; retention budget larger than the docker disk; expected at most the 35 GB Docker has`,
    );
  });

  it.each([0.5, 0, -1, Number.NaN])("refuses a budget below 1 GB: %d", (retentionSizeGb) => {
    expect(() => prometheusRetentionSize(PATH, { retentionSizeGb, dockerDiskGb: DOCKER_DISK_GB })).toThrow(
      `${PATH}: invalid retentionSizeGb = ${JSON.stringify(retentionSizeGb)}; at least 1 GB`,
    );
  });
});
