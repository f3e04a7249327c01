import { PolicyRule } from "../types";
import { addressPools } from "./address-pools";
import { adminCidr } from "./admin-cidr";
import { autoUpdateDatabase } from "./auto-update-database";
import { capabilities } from "./capabilities";
import { dockerSocket } from "./docker-socket";
import { guestAgent } from "./guest-agent";
import { healthcheckWaited } from "./healthcheck-waited";
import { hostNamespace } from "./host-namespace";
import { hostPathReadWrite } from "./host-path-rw";
import { imageTag } from "./image-tag";
import { knownHosts } from "./known-hosts";
import { logRotation } from "./log-rotation";
import { memoryLimit } from "./memory-limit";
import { noNewPrivileges } from "./no-new-privileges";
import { privileged } from "./privileged";
import { proxmoxPassword } from "./proxmox-password";
import { publishedSensitivePort } from "./published-sensitive-port";
import { restartPolicy } from "./restart-policy";
import { secretLiteral } from "./secret-literal";
import { sshHostKey } from "./ssh-host-key";
import { volumeBackup } from "./volume-backup";
import { vmMonitoring, vmVolumeBackup } from "./vm-coverage";

/** The homelab policy pack: every rule, applied to every stack by default. */
export const HOMELAB_RULES: readonly PolicyRule[] = [
  privileged,
  dockerSocket,
  hostPathReadWrite,
  hostNamespace,
  secretLiteral,
  imageTag,
  publishedSensitivePort,
  capabilities,
  memoryLimit,
  healthcheckWaited,
  restartPolicy,
  noNewPrivileges,
  logRotation,
  autoUpdateDatabase,
  sshHostKey,
  knownHosts,
  adminCidr,
  addressPools,
  proxmoxPassword,
  guestAgent,
  volumeBackup,
  vmMonitoring,
  vmVolumeBackup,
] as readonly PolicyRule[];
