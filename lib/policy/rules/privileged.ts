import { PolicyRule, resultOf } from "../types";

export const privileged: PolicyRule<"service"> = {
  id: "DH-PRIVILEGED",
  level: "error",
  description: "No privileged containers: they get every capability and every host device, i.e. the host.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(service.spec.privileged ? [{ key: "privileged", message: "runs privileged; grant the one capability or device it needs instead" }] : []),
};
