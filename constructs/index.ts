/**
 * Dockhost: a homelab's Proxmox Docker host and every app on it, as CDKTF constructs.
 *
 * The package's only entry point: the constructs, their props, and the few types their props and
 * fields use. Everything else in the package is internal and may change without notice.
 *
 * @packageDocumentation
 */

// The app and its stacks.
export { DockhostApp, PolicyError } from "./dockhost-app";
export type { DockhostAppConfig } from "./dockhost-app";
// The policy pack runs in DockhostApp; a finding is suppressed on a construct with a reason.
export { MIN_REASON_LENGTH, suppress } from "../lib/policy/suppressions";
export type { PolicyReport, ReportRow, RowStatus } from "../lib/policy/evaluate";
// What the capacity plan counts for a container without a memory limit.
export { UNLIMITED_MEMORY_ESTIMATE_MB } from "../lib/policy/capacity-planner";
export { DockhostStack } from "./dockhost-stack";
export type { DockhostStackProps } from "./dockhost-stack";
export { stateBackendFromEnv } from "../lib/state-backend";
export type { StateBackend, LocalStateBackend, S3StateBackend, PgStateBackend } from "../lib/state-backend";

// A whole homelab but its apps (what main.ts and `dockhost init`'s main.ts build on).
export { buildHomelabFoundation } from "./homelab";
export type { HomelabFoundation, HomelabFoundationOptions, HomelabVmServices } from "./homelab";

// Proxmox: the connection, the VM(s), their backups and firewall, adopting VMs that already run.
export { ProxmoxConnection } from "./proxmox-connection";
export type { ProxmoxConnectionProps } from "./proxmox-connection";
export { DockhostVm } from "./dockhost-vm";
export type { DockhostVmProps, DockhostVmInstance, LanProps, VmIndex, VmVariableName, HostPciDevice } from "./dockhost-vm";
export { VM_BACKUP_MODES, VmBackup } from "./vm-backup";
export type { VmBackupProps, VmBackupRetention, VmBackupMode, VmBackupCompression } from "./vm-backup";
export { HostFirewall } from "./host-firewall";
export type { HostFirewallProps, FirewallSource, FirewallRule } from "./host-firewall";
export { IMPORT_VARIABLE, VmAdoption } from "./vm-adoption";
export type { VmAdoptionProps } from "./vm-adoption";

// Docker on the VM, and what runs there.
export { DockerHost } from "./docker-host";
export type { DockerHostProps } from "./docker-host";
export { DockerEngine } from "./docker-engine";
export type { DockerEngineProps, EngineHost } from "./docker-engine";
export { SWARM_PORTS, SwarmCluster } from "./swarm-cluster";
export type { SwarmClusterProps, SwarmNodeLabels } from "./swarm-cluster";
export { ComposeStack } from "./compose-stack";
export { NamedVolume } from "./named-volume";
export type { NamedVolumeProps } from "./named-volume";
export type { ComposeStackProps, ComposeServiceProps, ComposeService, ComposeImportProps, StackVolume, VolumeMountRef } from "./compose-stack";
export { Secret } from "./secret";
// The socket proxy that ReverseProxy and VolumeBackup put in front of docker.sock, for your own clients.
export { dockerSocketProxy, SOCKET_PROXY_IMAGE } from "./docker-socket-proxy";
export type { DockerApiSection, DockerSocketProxy, DockerSocketProxyProps } from "./docker-socket-proxy";
export type { SecretProps } from "./secret";
export { ReverseProxy, TRAEFIK_IMAGE } from "./reverse-proxy";
export type { ReverseProxyProps, ProxyTlsProps, ExposeOptions, ProxyRoute, ProxyMiddleware } from "./reverse-proxy";
export { VOLUME_BACKUP_IMAGE, VolumeBackup } from "./volume-backup";
export type { VolumeBackupProps, VolumeBackupTarget, LocalBackupTarget, NfsBackupTarget, S3BackupTarget, CoveredVolume, NodeBackup } from "./volume-backup";
export { Postgres, POSTGRES_DATA_DIR, POSTGRES_IMAGE, POSTGRES_MEMORY_MB, POSTGRES_PORT } from "./postgres";
export type { PostgresProps, PostgresServiceOptions } from "./postgres";
export { Redis, REDIS_IMAGE, REDIS_MEMORY_MB, REDIS_PORT } from "./redis";
export type { RedisProps, RedisServiceOptions } from "./redis";
export { WebApp } from "./web-app";
export type { WebAppProps, WebAppPartProps, WebAppDatabaseProps, WebAppCacheProps } from "./web-app";
export { Nextcloud, NEXTCLOUD_IMAGE, NEXTCLOUD_MEMORY_MB } from "./nextcloud";
export type { NextcloudProps } from "./nextcloud";
export { Jellyfin, JELLYFIN_IMAGE, JELLYFIN_MEMORY_MB } from "./jellyfin";
export type { JellyfinProps } from "./jellyfin";
export { GitLabRunner, GITLAB_RUNNER_IMAGE, GITLAB_RUNNER_MEMORY_MB } from "./gitlab-runner";
export type { GitLabRunnerProps } from "./gitlab-runner";
export { Portainer, PORTAINER_IMAGE, PORTAINER_MEMORY_MB } from "./portainer";
export type { PortainerProps } from "./portainer";
export { Watchtower, WATCHTOWER_IMAGE, WATCHTOWER_OPT_IN } from "./watchtower";
export type { WatchtowerProps } from "./watchtower";
export type { Connection, Sensitive } from "../lib/catalog/connection";
export { MONITORING_IMAGES, MONITORING_JOBS, MONITORING_POLICY_SUPPRESSIONS, MonitoringStack } from "./monitoring-stack";
export type { MonitoringStackProps, AlertmanagerProps, AlertEmailProps, AlertThresholds, ScrapeOptions } from "./monitoring-stack";
export { VmBackupCheck } from "./vm-backup-check";
export type { VmBackupCheckProps } from "./vm-backup-check";

// Types that the props and public fields above use, and the guard that tells their mounts apart.
export { isBindMount } from "../lib/compose/service";
export { TerraformExpression } from "../lib/cloud-config";
export type {
  ServiceSpec,
  StackSpec,
  VolumeSpec,
  NetworkSpec,
  PortSpec,
  PortProtocol,
  VolumeMount,
  NamedVolumeMount,
  BindMount,
  HealthcheckSpec,
  RestartSpec,
  RestartPolicyName,
  OnFailureRestart,
  DependsOnSpec,
  DependencyCondition,
  LoggingSpec,
  DeviceSpec,
} from "../lib/compose/service";
export type { TlsMode } from "../lib/traefik/static-config";
export type { AddressPool } from "../lib/docker-daemon";
export type { CloudConfig, CloudConfigFile, CloudConfigUser } from "../lib/cloud-config";
export type { Ipv4Cidr } from "../lib/ipv4";
export type { MetricsEndpoint } from "../lib/monitoring/metrics-endpoint";
// The shape of the settings object at the top of a homelab's main.ts.
export type { HomelabSettings } from "../lib/homelab-settings";

// Every bad input throws this, naming the construct path, the key, the value and what is allowed.
export { DockhostInputError } from "../lib/errors";
export type { InvalidInput } from "../lib/errors";
