import { cidrsOverlap, parseCidr } from "../../ipv4";
import { PolicyRule, resultOf } from "../types";

export const addressPools: PolicyRule<"docker-host"> = {
  id: "DH-ADDRESS-POOLS",
  level: "error",
  description: "Docker's address pools stay outside the LAN: a Docker network on the LAN's subnet cuts the VM off from it.",
  appliesTo: "docker-host",
  check: ({ addressPools, lan }) =>
    resultOf(
      addressPools.flatMap((pool, i) => {
        const cidr = parseCidr(pool.base);
        return cidr && cidrsOverlap(cidr, lan) ? [{ key: `addressPools[${i}]`, message: `${pool.base} overlaps the LAN ${lan.text}; choose an address pool outside it (the default is 172.30.0.0/16)` }] : [];
      }),
    ),
};
