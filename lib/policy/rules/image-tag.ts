import { isDatabaseImage, isFloatingImage } from "../../images";
import { PolicyRule, resultOf } from "../types";

export const imageTag: PolicyRule<"service"> = {
  id: "DH-IMAGE-TAG",
  level: "warning",
  description: "Images are pinned to a version (tag or digest), not :latest or untagged; for databases this is an error, since a major upgrade can corrupt data.",
  appliesTo: "service",
  check: ({ service }) => {
    const image = service.spec.image;
    if (!isFloatingImage(image)) return resultOf([]);
    const database = isDatabaseImage(image);
    return resultOf([{ key: "image", message: `${image} is not pinned to a version${database ? " (a database: an unplanned major upgrade can corrupt its data)" : ""}; pin a version tag (name:1.2.3) or a digest`, level: database ? "error" : "warning" }]);
  },
};
