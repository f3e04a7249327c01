import { PolicyRule, resultOf } from "../types";

const NO_NEW_PRIVILEGES = /^no-new-privileges(:true|=true)?$/;

export const noNewPrivileges: PolicyRule<"service"> = {
  id: "DH-NO-NEW-PRIVILEGES",
  level: "warning",
  description: "Containers run with no-new-privileges, so setuid binaries inside cannot raise privileges.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf((service.spec.securityOpt ?? []).some((opt) => NO_NEW_PRIVILEGES.test(opt)) ? [] : [{ key: "securityOpt", message: "lacks no-new-privileges:true; add it to securityOpt" }]),
};
