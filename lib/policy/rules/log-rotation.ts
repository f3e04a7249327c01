import { PolicyRule, resultOf } from "../types";

/** Drivers that write files on the VM and rotate only when told to. */
const FILE_DRIVERS = ["json-file", "local"];

export const logRotation: PolicyRule<"service"> = {
  id: "DH-LOG-ROTATION",
  level: "warning",
  description: "Container logs are rotated (json-file with max-size), or sent off the VM; unrotated logs fill /var/lib/docker.",
  appliesTo: "service",
  check: ({ service }) => {
    const logging = service.spec.logging;
    // Without logging options, ComposeStack applies the seed's rotation (10 MB x 3).
    if (logging === undefined || logging.options === undefined) return resultOf([]);
    const driver = logging.driver ?? "json-file";
    const rotated = !FILE_DRIVERS.includes(driver) || driver === "local" || logging.options["max-size"] !== undefined;
    return resultOf(rotated ? [] : [{ key: "logging.options", message: `logs with ${driver} and no max-size: they grow until the disk is full; set logging.options max-size (e.g. 10m)` }]);
  },
};
