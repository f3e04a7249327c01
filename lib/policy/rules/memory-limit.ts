import { UNLIMITED_MEMORY_ESTIMATE_MB } from "../capacity-planner";
import { PolicyRule, resultOf } from "../types";

export const memoryLimit: PolicyRule<"service"> = {
  id: "DH-MEMORY-LIMIT",
  level: "warning",
  description: "Every container has a memory limit, so one leak cannot OOM the whole host (and the capacity plan counts what it may use, not an estimate).",
  appliesTo: "service",
  check: ({ service }) => resultOf(service.spec.memoryLimitMb === undefined ? [{ key: "memoryLimitMb", message: `has no memory limit: the capacity plan counts it at ${UNLIMITED_MEMORY_ESTIMATE_MB} MB; set memoryLimitMb` }] : []),
};
