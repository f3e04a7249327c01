/**
 * Docker labels are Traefik's dynamic configuration flattened to dotted keys. We build the
 * configuration as an object first (so it can be checked against Traefik's file-provider schema)
 * and flatten it here: lists of scalars become comma-separated values, lists of objects indexed keys.
 * Keys are lower-cased, as Traefik's documentation writes labels (Traefik reads them case-insensitively).
 */
export function flattenToLabels(config: Record<string, unknown>, prefix = "traefik"): Record<string, string> {
  const labels: Record<string, string> = {};
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v !== "object" || v === null)) labels[key] = value.join(",");
      else value.forEach((v, i) => visit(v, `${key}[${i}]`));
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      // An empty object switches an option on (a router's `tls: {}`); as a label that is `=true`.
      if (entries.length === 0) labels[key] = "true";
      for (const [k, v] of entries) visit(v, `${key}.${k.toLowerCase()}`);
    } else if (value !== undefined) {
      labels[key] = String(value);
    }
  };
  visit(config, prefix);
  return labels;
}
