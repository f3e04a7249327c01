import { NOT_APPLICABLE, PolicyRule, resultOf } from "../types";

export const healthcheckWaited: PolicyRule<"service"> = {
  id: "DH-HEALTHCHECK-WAITED",
  level: "warning",
  description: "A service others wait for (dependsOn service_healthy) declares a healthcheck; without one, the wait relies on the image's own HEALTHCHECK, or times out.",
  appliesTo: "service",
  check: ({ service, waitedOnHealthy }) => {
    if (!waitedOnHealthy) return NOT_APPLICABLE;
    const test = service.spec.healthcheck?.test;
    return resultOf(!test || test[0] === "NONE" ? [{ key: "healthcheck", message: "is waited for until healthy but declares no healthcheck; add a healthcheck (test, interval, retries)" }] : []);
  },
};
