/**
 * alertmanager.yml: one route to one receiver that sends every alert by webhook, e-mail or both.
 * Credentials are never in the file: Alertmanager reads them from files (`url_file`,
 * `auth_password_file`) that the container receives as secrets.
 */
import { toGoYaml } from "./go-yaml";

/** E-mail delivery through an SMTP server. */
export interface AlertEmailSpec {
  readonly to: string;
  readonly from: string;
  /** SMTP server as `host:port`, e.g. `smtp.example.com:587`. */
  readonly smarthost: string;
  /** SMTP user, when the server wants a login. */
  readonly username?: string;
  /** File in the container that holds the SMTP password. */
  readonly passwordFile?: string;
  /** Refuse to send unless the server offers STARTTLS. */
  readonly requireTls: boolean;
}

/** Where alerts go; at least one of the two. */
export interface AlertmanagerConfigSpec {
  /** File in the container that holds the webhook URL (ntfy, Gotify, a chat webhook). */
  readonly webhookUrlFile?: string;
  readonly email?: AlertEmailSpec;
}

/** Name of the one receiver. */
export const ALERT_RECEIVER = "dockhost";

/** Grouping and repetition: why each value is not shorter. */
const ROUTE_TIMING = {
  /** Alerts that fire together (a host going down takes its targets with it) arrive as one message. */
  groupWait: "30s",
  /** New alerts of a group already notified wait this long, to batch them. */
  groupInterval: "5m",
  /** A firing alert is repeated this often, so that a muted phone does not hide it for good. */
  repeatInterval: "4h",
} as const;

/** alertmanager.yml for the receivers in `spec`; resolved alerts are sent too. */
export function renderAlertmanagerConfig(spec: AlertmanagerConfigSpec): string {
  const email = spec.email;
  return toGoYaml({
    route: {
      receiver: ALERT_RECEIVER,
      group_by: ["alertname", "instance"],
      group_wait: ROUTE_TIMING.groupWait,
      group_interval: ROUTE_TIMING.groupInterval,
      repeat_interval: ROUTE_TIMING.repeatInterval,
    },
    receivers: [
      {
        name: ALERT_RECEIVER,
        webhook_configs: spec.webhookUrlFile === undefined ? undefined : [{ url_file: spec.webhookUrlFile, send_resolved: true }],
        email_configs:
          email === undefined
            ? undefined
            : [
                {
                  to: email.to,
                  from: email.from,
                  smarthost: email.smarthost,
                  auth_username: email.username,
                  auth_password_file: email.passwordFile,
                  require_tls: email.requireTls,
                  send_resolved: true,
                },
              ],
      },
    ],
  });
}
