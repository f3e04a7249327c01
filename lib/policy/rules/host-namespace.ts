import { PolicyRule, resultOf } from "../types";

export const hostNamespace: PolicyRule<"service"> = {
  id: "DH-HOST-NAMESPACE",
  level: "error",
  description: "No host network, PID or IPC namespace: they remove the isolation between the container and the VM.",
  appliesTo: "service",
  check: ({ service }) => {
    const { networkMode, pid, ipc } = service.spec;
    const shared = Object.entries({ networkMode, pid, ipc }).filter(([, mode]) => mode === "host");
    return resultOf(shared.map(([key]) => ({ key, message: `shares the VM's ${key === "networkMode" ? "network" : key.toUpperCase()} namespace; remove ${key}: "host" (publish ports or use the stack network instead)` })));
  },
};
