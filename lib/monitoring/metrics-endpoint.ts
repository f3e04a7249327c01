/**
 * A metrics endpoint a service declares for Prometheus: on a ComposeStack service (`metrics`) or
 * through `MonitoringStack.scrape()`. Both check it here, so they refuse the same things.
 */
import { offeredPorts } from "../compose/port-binding";
import { ServiceSpec } from "../compose/service";
import { invalid } from "../errors";
import { checkPrometheusInterval } from "./prometheus-duration";

/** Where a service serves Prometheus metrics. */
export interface MetricsEndpoint {
  /** Container port of the endpoint: one the service lists in `expose` or publishes in `ports`. */
  readonly port: number;
  /**
   * HTTP path of the endpoint.
   * @default "/metrics"
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes it, a Prometheus duration such as `30s`.
   * @default - the MonitoringStack's scrape interval
   */
  readonly interval?: string;
}

/** Throws, naming `path`, `key` and the value, unless `service` offers the endpoint's port and its path and interval are valid. */
export function checkMetricsEndpoint(path: string, key: string, service: Pick<ServiceSpec, "expose" | "ports">, endpoint: MetricsEndpoint): void {
  const offered = offeredPorts(service);
  if (!offered.includes(endpoint.port)) {
    invalid({ path, key: `${key}.port`, value: endpoint.port, allowed: `a port the service exposes: ${offered.join(", ") || "none (add it to the service's expose)"}` });
  }
  if (endpoint.path !== undefined && !endpoint.path.startsWith("/")) {
    invalid({ path, key: `${key}.path`, value: endpoint.path, allowed: "an absolute URL path such as /metrics" });
  }
  if (endpoint.interval !== undefined) checkPrometheusInterval(path, `${key}.interval`, endpoint.interval);
}
