/** Where sentinel secrets show up in `docker inspect` output (host tier). */

/** Every path in `value` whose string contains one of the sentinels. */
export function sentinelPaths(value: unknown, sentinels: readonly string[], at = ""): string[] {
  if (typeof value === "string") return sentinels.some((s) => value.includes(s)) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => sentinelPaths(v, sentinels, `${at}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(sentinels.some((s) => k.includes(s)) ? [`${at} key ${k}`] : []),
      ...sentinelPaths(v, sentinels, /^[A-Za-z]\w*$/.test(k) ? (at ? `${at}.${k}` : k) : `${at}[${JSON.stringify(k)}]`),
    ]);
  }
  return [];
}

/** Whether `p` is the Config.Env entry (NAME=value) of an allowed variable. */
export function allowedEnvPath(inspect: any, p: string, allowed: ReadonlySet<string>): boolean {
  const index = /^Config\.Env\[(\d+)\]$/.exec(p)?.[1];
  return index !== undefined && allowed.has(inspect.Config.Env[Number(index)].split("=")[0]);
}
