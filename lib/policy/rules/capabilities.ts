import { PolicyRule, resultOf } from "../types";

const DANGEROUS_CAPABILITIES = ["ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_MODULE", "SYS_PTRACE"];
const UNCONFINED = /^(seccomp|apparmor)[=:]unconfined$/;

export const capabilities: PolicyRule<"service"> = {
  id: "DH-CAPABILITIES",
  level: "error",
  description: "No dangerous capabilities (ALL, SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE) and no unconfined seccomp or AppArmor.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf([
      ...(service.spec.capAdd ?? [])
        .map((cap, i) => ({ cap: cap.toUpperCase().replace(/^CAP_/, ""), i }))
        .filter(({ cap }) => DANGEROUS_CAPABILITIES.includes(cap))
        .map(({ cap, i }) => ({ key: `capAdd[${i}]`, message: `adds ${cap}; remove it from capAdd (grant a narrower capability, or suppress with why it is needed)` })),
      ...(service.spec.securityOpt ?? []).flatMap((opt, i) => (UNCONFINED.test(opt) ? [{ key: `securityOpt[${i}]`, message: `runs with ${opt}; remove it from securityOpt` }] : [])),
    ]),
};
