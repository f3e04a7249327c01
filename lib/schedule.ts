/**
 * The two schedule languages backups use: Proxmox calendar events (vzdump jobs) and the cron
 * expressions of offen/docker-volume-backup (robfig/cron with optional seconds and descriptors).
 * Both are checked at synth time, so a typo fails `cdktf synth` rather than a backup at 3 a.m.
 */
import { isDuration } from "./compose/duration";

/** A whole-number field: its range and the names it also accepts (index = value - offset). */
interface Field {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of the first name. */
  readonly nameOffset?: number;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

// ------------------------------------------------------------------ cron (docker-volume-backup)

const CRON_DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const CRON_SECONDS: Field = { min: 0, max: 59 };
const CRON_FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameOffset: 1 },
  { min: 0, max: 6, names: WEEKDAYS, nameOffset: 0 },
];
/** Fields where `?` (no specific value) is allowed: day of month and day of week. */
const CRON_QUESTION_MARK = new Set([2, 4]);

/**
 * True for a cron expression docker-volume-backup accepts: 5 fields (minute hour day-of-month
 * month day-of-week), or 6 with seconds first; `*`, `?`, ranges `a-b`, steps `/n`, lists `,`,
 * month and weekday names; or a descriptor such as `@daily` or `@every 6h`.
 */
export function isCronExpression(text: string): boolean {
  const trimmed = text.trim();
  if (CRON_DESCRIPTORS.includes(trimmed.toLowerCase())) return true;
  const every = /^@every\s+(\S+)$/.exec(trimmed);
  if (every) return isDuration(every[1]);
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return false;
  const fields = parts.length === 6 ? [CRON_SECONDS, ...CRON_FIELDS] : CRON_FIELDS;
  const offset = parts.length - 5;
  return parts.every((part, i) => (part === "?" && CRON_QUESTION_MARK.has(i - offset)) || isCronField(part, fields[i]));
}

function isCronField(text: string, field: Field): boolean {
  return text.split(",").every((item) => {
    const match = /^(\*|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return false;
    const [, , from, to, step] = match;
    if (step !== undefined && Number(step) < 1) return false;
    if (from === undefined) return true;
    const first = cronValue(from, field);
    const last = to === undefined ? first : cronValue(to, field);
    return first !== undefined && last !== undefined && first <= last;
  });
}

function cronValue(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = named >= 0 ? named + (field.nameOffset ?? 0) : /^\d+$/.test(text) ? Number(text) : undefined;
  return value !== undefined && value >= field.min && value <= field.max ? value : undefined;
}

// ------------------------------------------------------------------ Proxmox calendar events

const CALENDAR_SPECIALS = ["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually"];
const WEEKDAY_LIST = new RegExp(`^(${WEEKDAYS.join("|")})(\\.\\.(${WEEKDAYS.join("|")}))?(,(${WEEKDAYS.join("|")})(\\.\\.(${WEEKDAYS.join("|")}))?)*$`);
const YEARS: Field = { min: 1970, max: 9999 };
const MONTH: Field = { min: 1, max: 12 };
const DAY: Field = { min: 1, max: 31 };
const HOURS: Field = { min: 0, max: 23 };
const MINUTES: Field = { min: 0, max: 59 };

/**
 * True for a Proxmox calendar event (the `schedule` of a vzdump job):
 * `[WEEKDAY] [[YEAR-]MONTH-DAY] [HOUR:]MINUTE[:SECOND]` with lists `,`, ranges `..` and
 * repetitions `/`, such as `sun 01:00`, `mon..fri 22:30` or `*\/15`; or a word such as `weekly`.
 */
export function isCalendarEvent(text: string): boolean {
  const parts = text.trim().toLowerCase().split(/\s+/);
  if (parts.length === 1 && CALENDAR_SPECIALS.includes(parts[0])) return true;
  if (parts[0] !== "" && WEEKDAY_LIST.test(parts[0])) parts.shift();
  if (parts.length > 0 && parts[0].includes("-")) {
    const date = parts.shift()!.split("-");
    const fields = date.length === 3 ? [YEARS, MONTH, DAY] : [MONTH, DAY];
    if (date.length !== fields.length || !date.every((part, i) => isCalendarField(part, fields[i]))) return false;
  }
  if (parts.length > 0) {
    const time = parts.shift()!.split(":");
    const fields = [[MINUTES], [HOURS, MINUTES], [HOURS, MINUTES, MINUTES]][time.length - 1];
    if (fields === undefined || !time.every((part, i) => isCalendarField(part, fields[i]))) return false;
  }
  // Something was given, and nothing is left over.
  return parts.length === 0 && text.trim() !== "";
}

function isCalendarField(text: string, field: Field): boolean {
  return text.split(",").every((item) => {
    const match = /^(\*|(\d+)(?:\.\.(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return false;
    const [, , from, to, step] = match;
    if (step !== undefined && Number(step) < 1) return false;
    if (from === undefined) return true;
    const first = Number(from);
    const last = to === undefined ? first : Number(to);
    return first >= field.min && last <= field.max && first <= last;
  });
}
