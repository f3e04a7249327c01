import { ComposeServiceProps, ComposeStack } from "../../constructs/compose-stack";
import { evaluateHomelab } from "../../constructs/policy-model";
import { UNLIMITED_MEMORY_ESTIMATE_MB } from "../../lib/policy/capacity-planner";
import { PolicyReport } from "../../lib/policy/evaluate";
import { HomelabSettings } from "../../lib/homelab-settings";
import { buildReferenceHomelab, SETTINGS } from "../../main";
import { testApp } from "../support/synth";
import { GOOD } from "./lab";

type VmSizes = Partial<Pick<HomelabSettings["vm"], "memoryMb" | "disk0SizeGb" | "cpuCores">>;

/** The reference homelab with VM sizes `sizes`, plus a stack "extra" of `services` (and volumes). */
function report(sizes: VmSizes, services: Record<string, ComposeServiceProps>, volumes: Record<string, { sizeBudgetGb: number }> = {}): PolicyReport {
  const homelab = buildReferenceHomelab(testApp(), { ...SETTINGS, vm: { ...SETTINGS.vm, ...sizes } });
  new ComposeStack(homelab.apps, "extra", { engine: homelab.engine, services, volumes });
  return evaluateHomelab(homelab.app);
}

function finding(r: PolicyReport, ruleId: string) {
  return r.rows.find((row) => row.ruleId === ruleId && row.status === "non-compliant");
}

function need(r: PolicyReport, resource: "memory" | "disk" | "cpu"): number {
  return r.capacity.find((line) => line.resource === resource)!.need;
}

/** The number after "to at least" in a capacity message. */
function leastOf(message: string): number {
  return Number(/to at least (\d+)/.exec(message)![1]);
}

describe("capacity messages say the fix, and the fix is enough", () => {
  test("disk over budget: the first disk size that fits, in the prop and variable the user sets", () => {
    const big = { library: { sizeBudgetGb: 23 } };
    const services = { svc: { ...GOOD, volumes: [{ volume: "library", target: "/media" }] } };
    const r = report({}, services, big);
    const needGb = need(r, "disk");
    const row = finding(r, "DH-CAPACITY-DISK")!;
    expect(row.level).toBe("error");
    // Docker's budget is the disk minus / 10, swap 2 and a reserve of 3 GB.
    expect(row.message).toBe(
      `need ${needGb} GB of 35 GB (${Math.round((needGb / 35) * 100)} %) on dockhost for volume size budgets, images and logs: raise disk0SizeGb (vm_disk0_size) to at least ${Math.ceil(needGb) + 15}, or lower the volumes' sizeBudgetGb`,
    );
    expect(needGb).toBeGreaterThan(35);
    const least = leastOf(row.message!);
    expect(finding(report({ disk0SizeGb: least }, services, big), "DH-CAPACITY-DISK")?.level).toBe("warning");
    expect(finding(report({ disk0SizeGb: least - 1 }, services, big), "DH-CAPACITY-DISK")?.level).toBe("error");
  });

  test("disk above 80 %: the size that gets under the warning line", () => {
    const big = { library: { sizeBudgetGb: 3 } };
    const services = { svc: { ...GOOD, volumes: [{ volume: "library", target: "/media" }] } };
    const row = finding(report({}, services, big), "DH-CAPACITY-DISK")!;
    expect(row.level).toBe("warning");
    expect(row.message).toMatch(/^need [\d.]+ GB of 35 GB \(\d+ %\) on dockhost for volume size budgets, images and logs: raise disk0SizeGb \(vm_disk0_size\) to at least \d+ to stay under 80 %, or lower the volumes' sizeBudgetGb$/);
    const least = leastOf(row.message!);
    expect(finding(report({ disk0SizeGb: least }, services, big), "DH-CAPACITY-DISK")).toBeUndefined();
    expect(finding(report({ disk0SizeGb: least - 1 }, services, big), "DH-CAPACITY-DISK")?.level).toBe("warning");
  });

  test("memory over the VM: the memory that fits", () => {
    const services = { svc: { ...GOOD, memoryLimitMb: 6000 } };
    const r = report({}, services);
    const needMb = need(r, "memory");
    const row = finding(r, "DH-CAPACITY-MEMORY")!;
    expect(row.level).toBe("error");
    expect(row.message).toBe(
      `need ${needMb} MB of 10240 MB (${Math.round((needMb / 10240) * 100)} %) on dockhost for container memory limits plus the host's reserve: raise memoryMb (vm_memory) to at least ${needMb}, or lower the containers' memoryLimitMb`,
    );
    expect(finding(report({ memoryMb: needMb }, services), "DH-CAPACITY-MEMORY")?.level).toBe("warning");
    expect(finding(report({ memoryMb: needMb - 1 }, services), "DH-CAPACITY-MEMORY")?.level).toBe("error");
  });

  test("memory above 80 %: the memory that gets under the warning line", () => {
    const services = { svc: { ...GOOD, memoryLimitMb: 1700 } };
    const row = finding(report({}, services), "DH-CAPACITY-MEMORY")!;
    expect(row.level).toBe("warning");
    expect(row.message).toMatch(/: raise memoryMb \(vm_memory\) to at least \d+ to stay under 80 %, or lower the containers' memoryLimitMb$/);
    const least = leastOf(row.message!);
    expect(finding(report({ memoryMb: least }, services), "DH-CAPACITY-MEMORY")).toBeUndefined();
    expect(finding(report({ memoryMb: least - 1 }, services), "DH-CAPACITY-MEMORY")).toBeDefined();
  });

  test("CPU over the cores, and above 80 %: whole cores", () => {
    const over = finding(report({}, { svc: { ...GOOD, cpus: 4 } }), "DH-CAPACITY-CPU")!;
    expect(over.level).toBe("error");
    expect(over.message).toBe("need 4 cores of 3 cores (133 %) on dockhost for container CPU limits: raise cpuCores (vm_cpu_cores) to at least 4, or lower the containers' cpus");
    const near = finding(report({}, { svc: { ...GOOD, cpus: 2.5 } }), "DH-CAPACITY-CPU")!;
    expect(near.message).toBe("need 2.5 cores of 3 cores (83 %) on dockhost for container CPU limits: raise cpuCores (vm_cpu_cores) to at least 4 to stay under 80 %, or lower the containers' cpus");
    expect(finding(report({ cpuCores: 4 }, { svc: { ...GOOD, cpus: 2.5 } }), "DH-CAPACITY-CPU")).toBeUndefined();
  });
});

describe("containers without a memory limit", () => {
  const { memoryLimitMb: _limit, ...UNLIMITED } = GOOD;

  test(`count at ${UNLIMITED_MEMORY_ESTIMATE_MB} MB each in the plan, not 0, with a warning that says so`, () => {
    const limited = need(report({}, { svc: { ...GOOD, memoryLimitMb: 64 } }), "memory");
    const r = report({}, { svc: UNLIMITED });
    expect(need(r, "memory")).toBe(limited - 64 + UNLIMITED_MEMORY_ESTIMATE_MB);
    const warning = r.rows.find((row) => row.ruleId === "DH-MEMORY-LIMIT" && row.status === "non-compliant")!;
    expect(warning).toMatchObject({ level: "warning", path: "dockhost-apps/extra/service-svc", key: "memoryLimitMb" });
    expect(warning.message).toBe(`has no memory limit: the capacity plan counts it at ${UNLIMITED_MEMORY_ESTIMATE_MB} MB; set memoryLimitMb`);
  });

  test("enough of them overflow the VM, and the capacity message says how many were estimated", () => {
    const services = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`svc${i}`, UNLIMITED]));
    const row = finding(report({}, services), "DH-CAPACITY-MEMORY")!;
    expect(row.level).toBe("error");
    expect(row.message).toContain(`for container memory limits plus the host's reserve (20 containers without a memory limit counted at ${UNLIMITED_MEMORY_ESTIMATE_MB} MB each): raise memoryMb (vm_memory)`);
  });
});
