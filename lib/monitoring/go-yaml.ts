/**
 * YAML for the Go programs of the monitoring stack (Prometheus, Grafana). They read it as YAML 1.1,
 * so strings such as "yes" or "1:30" must come out quoted; long PromQL expressions stay on one line.
 */
import { stringify } from "yaml";

/**
 * Renders a document for a Go YAML reader; keys whose value is undefined are left out. An object
 * used twice is written out twice, not as an anchor and alias: the files stay readable on their own.
 */
export function toGoYaml(document: object): string {
  return stringify(document, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}
