import { parseCidr } from "../../ipv4";
import { PolicyRule, resultOf } from "../types";

/** Admin networks wider than this are the Internet, not an administrator's machines. */
const MIN_PREFIX = 8;

export const adminCidr: PolicyRule<"firewall"> = {
  id: "DH-ADMIN-CIDR",
  level: "error",
  description: `SSH to the VM is open to admin networks of /${MIN_PREFIX} or narrower, never to the world (0.0.0.0/0).`,
  appliesTo: "firewall",
  check: ({ adminCidrs }) =>
    resultOf(
      adminCidrs.flatMap((cidr, i) =>
        (parseCidr(cidr)?.prefixLength ?? 32) < MIN_PREFIX ? [{ key: `adminCidrs[${i}]`, message: `${cidr} opens SSH to the world; list the machines that administer the VM (your LAN, or a /32)` }] : [],
      ),
    ),
};
