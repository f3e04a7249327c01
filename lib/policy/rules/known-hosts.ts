import { PolicyRule, resultOf } from "../types";

/** Files that keep nothing: a host key recorded there is forgotten, so every connection trusts anew. */
const FORGETFUL = /^\/dev\//;

export const knownHosts: PolicyRule<"docker-host"> = {
  id: "DH-KNOWN-HOSTS",
  level: "error",
  description: "The known_hosts file that pins the VM's SSH host key is a real file, never /dev/null (which accepts any key on every connection).",
  appliesTo: "docker-host",
  check: ({ knownHostsFile }) =>
    resultOf(FORGETFUL.test(knownHostsFile) ? [{ key: "knownHostsFile", message: `${knownHostsFile} records no host key: every connection would trust whatever answers; use a file such as ~/.ssh/dockhost_known_hosts` }] : []),
};
