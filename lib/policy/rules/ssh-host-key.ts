import { PolicyRule, resultOf } from "../types";

/** Options that turn SSH host key checking off (a man-in-the-middle then gets the Docker API). */
const INSECURE = [/^StrictHostKeyChecking[= ]no$/i, /^UserKnownHostsFile[= ]\/dev\/null$/i];

export const sshHostKey: PolicyRule<"docker-engine"> = {
  id: "DH-SSH-HOST-KEY",
  level: "error",
  description: "SSH to the VM never disables host key checking (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null).",
  appliesTo: "docker-engine",
  check: ({ sshOptions }) =>
    resultOf(
      sshOptions.flatMap((option, i) =>
        INSECURE.some((pattern) => pattern.test(option)) ? [{ key: `sshOptions[${i}]`, message: `${option} turns host key checking off; remove it (DockerHost pins the VM's host key in its known_hosts file)` }] : [],
      ),
    ),
};
