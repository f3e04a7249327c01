import { PolicyRule, resultOf } from "../types";

export const memoryLimit: PolicyRule<"service"> = {
  id: "DH-MEMORY-LIMIT",
  level: "warning",
  description: "Every container has a memory limit, so one leak cannot OOM the whole host (and the capacity planner can count it).",
  appliesTo: "service",
  check: ({ service }) => resultOf(service.spec.memoryLimitMb === undefined ? [{ key: "memoryLimitMb", message: "has no memory limit" }] : []),
};
