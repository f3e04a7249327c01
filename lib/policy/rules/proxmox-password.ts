import { Token } from "cdktf";
import { PolicyRule, resultOf } from "../types";

export const proxmoxPassword: PolicyRule<"proxmox"> = {
  id: "DH-PROXMOX-PASSWORD",
  level: "error",
  description: "No Proxmox password or API token literal in the code: they come from sensitive variables or the provider's environment.",
  appliesTo: "proxmox",
  check: ({ credentials }) => {
    const literals = Object.entries(credentials)
      .filter(([, value]) => typeof value === "string" && value !== "" && !Token.isUnresolved(value));
    // The message names the key only: the value is the secret.
    return resultOf(literals.map(([key]) => ({ key, message: `${key} is a literal in the code; use a sensitive variable or PROXMOX_VE_* environment variables` })));
  },
};
