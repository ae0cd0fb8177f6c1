/**
 * Problems with a Glue crawler schedule: it must be `cron(...)` with 6 fields (minutes, hours,
 * day of month, month, day of week, year; UTC) and run at most every 5 minutes.
 *
 * @see https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
 */
export function glueCronProblems(prop: string, expression: string): string[] {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = m ? m[1].trim().split(/\s+/) : [];
  if (!m || fields.length !== 6) {
    return [
      `${prop} must be a Glue cron expression with 6 fields (minutes hours day-of-month month day-of-week year, UTC), got '${expression}': e.g. 'cron(20 * * * ? *)' for 20 past every hour`,
    ];
  }
  const minutes = expandMinutes(fields[0]);
  if (minutes === undefined) {
    return [`${prop} has a minutes field Glue does not accept, got '${fields[0]}' in '${expression}': use e.g. '20', '0/15' or '5,35'`];
  }
  const gap = smallestGap(minutes);
  if (gap < 5) {
    return [
      `${prop} must not run more often than every 5 minutes (the Glue minimum), got '${expression}' which runs ${gap === 1 ? 'every minute' : `${gap} minutes apart`}: e.g. 'cron(0/15 * * * ? *)'`,
    ];
  }
  return [];
}

/** The minutes of the hour a cron minutes field fires at, or undefined if it cannot be read. */
function expandMinutes(field: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const step = /^(\*|\d{1,2}(?:-\d{1,2})?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!step) return undefined;
    const [, range, by] = step;
    let from = 0;
    let to = 59;
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b ?? (by ? 59 : a);
    }
    const increment = by ? Number(by) : 1;
    if (from > 59 || to > 59 || from > to || increment < 1) return undefined;
    for (let i = from; i <= to; i += increment) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** The smallest distance in minutes between two runs, wrapping around the hour. */
function smallestGap(minutes: number[]): number {
  if (minutes.length <= 1) return 60;
  let gap = 60 - minutes[minutes.length - 1] + minutes[0];
  for (let i = 1; i < minutes.length; i++) gap = Math.min(gap, minutes[i] - minutes[i - 1]);
  return gap;
}
