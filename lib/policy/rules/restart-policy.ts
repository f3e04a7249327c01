import { NOT_APPLICABLE, PolicyRule, resultOf } from "../types";

export const restartPolicy: PolicyRule<"service"> = {
  id: "DH-RESTART-POLICY",
  level: "warning",
  description: "Long-running services restart on their own (unless-stopped or always; on-failure with a retry bound), so a VM reboot or crash does not leave them down.",
  appliesTo: "service",
  check: ({ service, isJob }) => {
    if (isJob) return NOT_APPLICABLE;
    const restart = service.spec.restart ?? "no";
    if (restart === "no") return resultOf([{ key: "restart", message: 'restart is "no": the service stays down after a crash or a reboot; set restart: "unless-stopped"' }]);
    if (restart === "on-failure" || (typeof restart === "object" && restart.maxRetries === 0)) {
      return resultOf([{ key: "restart", message: 'on-failure without a retry bound restarts a crash loop forever; set restart: { policy: "on-failure", maxRetries: 5 }, or "unless-stopped"' }]);
    }
    return resultOf([]);
  },
};
