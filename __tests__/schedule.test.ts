import { isCalendarEvent, isCronExpression } from "../lib/schedule";

describe("isCronExpression (docker-volume-backup's cron)", () => {
  test.each(["0 3 * * *", "30 2 * * SUN", "*/15 * * * *", "0 0 3 * * *", "0 4 1-7 * MON-FRI", "0 0 5 31 2 ?", "@daily", "@every 6h", "0 1,13 * jan,jul *"])("accepts %s", (text) => {
    expect(isCronExpression(text)).toBe(true);
  });

  test.each(["", "daily", "0 3 * *", "0 24 * * *", "60 3 * * *", "0 3 * * 7", "0 3 32 * *", "0 3 * 13 *", "*/0 * * * *", "0 3 5-1 * *", "@every six hours", "0 0 0 3 * * *", "? 3 * * *", "0 3 * * funday"])("refuses %j", (text) => {
    expect(isCronExpression(text)).toBe(false);
  });
});

describe("isCalendarEvent (Proxmox schedules)", () => {
  test.each(["weekly", "sun 01:00", "sat 02:30", "mon..fri 22:00", "mon,wed,fri 3:15", "*/15", "12,14:05", "sun *-*-1..7 02:00", "2026-12-24 18:00", "sun", "mon..fri 8..17,22:0/15"])("accepts %s", (text) => {
    expect(isCalendarEvent(text)).toBe(true);
  });

  test.each(["", "0 3 * * 0", "sunday 01:00", "sun 25:00", "sun 01:60", "sun 1:00:00:00", "13-01 01:00", "sun 01:00 extra", "fri..mon..sun", "*/0", "3..1:00"])("refuses %j", (text) => {
    expect(isCalendarEvent(text)).toBe(false);
  });
});
