import { isDatabaseImage, repositoryOf } from "../../images";
import { NOT_APPLICABLE, PolicyRule, PolicyService, resultOf } from "../types";

const WATCHTOWER = ["containrrr/watchtower", "nickfedor/watchtower"];
const EXCLUDE_LABEL = "com.centurylinklabs.watchtower.enable";

function isWatchtower(service: PolicyService): boolean {
  return WATCHTOWER.includes(repositoryOf(service.spec.image));
}

/** Watchtower in label mode updates only containers labelled enable=true. */
function updatesEverything(watchtower: PolicyService): boolean {
  return watchtower.spec.environment?.WATCHTOWER_LABEL_ENABLE !== "true" && !(watchtower.spec.command ?? []).includes("--label-enable");
}

export const autoUpdateDatabase: PolicyRule<"service"> = {
  id: "DH-AUTO-UPDATE-DATABASE",
  level: "error",
  description: "Auto-update tooling (Watchtower) never updates databases: an unattended major upgrade can leave the data unreadable.",
  appliesTo: "service",
  check: ({ service, neighbours }) => {
    if (!isDatabaseImage(service.spec.image)) return NOT_APPLICABLE;
    const watchtowers = neighbours.filter(isWatchtower);
    if (watchtowers.length === 0) return NOT_APPLICABLE;
    const label = service.spec.labels?.[EXCLUDE_LABEL];
    const updated = watchtowers.some((w) => (updatesEverything(w) ? label !== "false" : label === "true"));
    return resultOf(updated ? [{ key: `labels.${EXCLUDE_LABEL}`, message: `a Watchtower on this VM would update this database; label it ${EXCLUDE_LABEL}=false` }] : []);
  },
};
