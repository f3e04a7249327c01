import { Token } from "cdktf";
import { PolicyRule, resultOf } from "../types";

export const guestAgent: PolicyRule<"vm"> = {
  id: "DH-GUEST-AGENT",
  level: "error",
  description: "The QEMU guest agent is enabled on the VM only when cloud-init installs it: otherwise Proxmox waits for an agent that never answers (shutdowns and IP lookups hang).",
  appliesTo: "vm",
  check: ({ agentEnabled: enabled, packages }) => {
    const on = enabled === true || (enabled !== undefined && Token.isUnresolved(enabled));
    return resultOf(on && !packages.includes("qemu-guest-agent") ? [{ key: "agent.enabled", message: "the guest agent is enabled but cloud-init does not install qemu-guest-agent; add the package to the VM's cloudConfig, or turn agent.enabled off" }] : []);
  },
};
