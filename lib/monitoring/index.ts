export * from "./prometheus-duration";
export * from "./prometheus-config";
export * from "./queries";
export * from "./alert-rules";
export * from "./dashboards";
export * from "./grafana";
export * from "./retention";
export * from "./metrics-endpoint";
