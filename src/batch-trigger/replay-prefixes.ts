/**
 * The S3 key prefixes a replay of a time range reads, computed from the Firehose prefix
 * expressions of the lake's `PartitionLayout` (`backupPrefix(table)` and `errorPrefix(table)`).
 * Shared by the handler and the construct, so it imports nothing.
 *
 * Firehose evaluates `!{timestamp:…}` at the approximate arrival time (UTC unless the delivery
 * stream has a time zone) and files each object under the prefix of one period. A replay of
 * `[from, to)` reads every period that overlaps the range, whole: records of the first and last
 * period outside the range are replayed too.
 */

/** The error-output types the lake's delivery streams write (`!{firehose:error-output-type}`). */
export const ERROR_OUTPUT_TYPES = ['processing-failed', 'format-conversion-failed'] as const;

/** Where the raw backup and the error output of one table are, as Firehose prefix expressions. */
export interface TablePrefixTemplates {
  /** e.g. `raw/clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/` */
  readonly raw: string;
  /** e.g. `errors/clicks/!{firehose:error-output-type}/year=!{timestamp:yyyy}/…/` */
  readonly errors: string;
}

/** What the producer needs to turn a replay request into prefixes. */
export interface ReplayConfig {
  /** The lake bucket. */
  readonly bucket: string;
  /** IANA time zone of the delivery streams' prefixes. */
  readonly timeZone: string;
  /** Templates per table name. */
  readonly tables: Record<string, TablePrefixTemplates>;
}

/** Which output of a table a replay reads. */
export type ReplaySourceName = 'raw' | 'errors';

/** The direct-invoke payload of a replay: `{ "replay": ReplayPayload }`. */
export interface ReplayPayload {
  readonly table: string;
  /** ISO 8601 instant, inclusive. */
  readonly from: string;
  /** ISO 8601 instant, exclusive. */
  readonly to: string;
  /** `raw` (the default) or `errors`. */
  readonly source?: ReplaySourceName;
}

/** The longest range one replay accepts: ten years of hourly prefixes is 87,600 listings. */
export const MAX_REPLAY_RANGE_MS = 3660 * 24 * 3600 * 1000;

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const TIMESTAMP = /!\{timestamp:(yyyy|MM|dd|HH)\}/g;
const ERROR_TYPE = '!{firehose:error-output-type}';

interface Fields {
  readonly yyyy: string;
  readonly MM: string;
  readonly dd: string;
  readonly HH: string;
}

/** The calendar fields of an instant in a time zone, zero-padded as Firehose writes them. */
function fieldsIn(formatter: Intl.DateTimeFormat | undefined, t: number): Fields {
  if (formatter === undefined) {
    const d = new Date(t);
    const pad = (n: number) => String(n).padStart(2, '0');
    return { yyyy: String(d.getUTCFullYear()).padStart(4, '0'), MM: pad(d.getUTCMonth() + 1), dd: pad(d.getUTCDate()), HH: pad(d.getUTCHours()) };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter.formatToParts(new Date(t))) parts[p.type] = p.value;
  return { yyyy: parts.year.padStart(4, '0'), MM: parts.month, dd: parts.day, HH: parts.hour === '24' ? '00' : parts.hour };
}

/** A formatter for a time zone other than UTC; throws on a zone the runtime does not know. */
function formatterFor(zone: string): Intl.DateTimeFormat | undefined {
  if (zone === 'UTC' || zone === 'Etc/UTC') return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
}

/** Whether the runtime knows the time zone. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The distinct prefixes a Firehose prefix template takes over `[from, to)`, in time order.
 *
 * Every offset of a time zone is a multiple of 15 minutes, so a period (an hour at the finest)
 * starts at a quarter-hour instant: the periods overlapping the range are those of `from` and of
 * each quarter-hour instant inside the range.
 */
export function prefixesOver(template: string, from: number, to: number, timeZone = 'UTC'): string[] {
  const formatter = formatterFor(timeZone);
  const out: string[] = [];
  let last: string | undefined;
  const render = (t: number) => {
    const f = fieldsIn(formatter, t);
    const prefix = template.replace(TIMESTAMP, (_, field: keyof Fields) => f[field]);
    if (prefix !== last) {
      out.push(prefix);
      last = prefix;
    }
  };
  if (!(to > from)) return out;
  render(from);
  for (let t = Math.floor(from / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + QUARTER_HOUR_MS; t < to; t += QUARTER_HOUR_MS) render(t);
  return out;
}

/** What the problems call the range's bounds: the payload's fields, or the construct's props. */
export interface RangeNames {
  readonly from: string;
  readonly to: string;
}

const PAYLOAD_NAMES: RangeNames = { from: 'from', to: 'to' };

/**
 * Problems with a replay request, each naming the field, the value and the fix. `names` are the
 * names the messages give the range's bounds (the payload's `from` and `to` by default).
 */
export function replayProblems(
  config: Pick<ReplayConfig, 'tables'>,
  payload: Partial<Record<keyof ReplayPayload, unknown>>,
  names: RangeNames = PAYLOAD_NAMES,
): string[] {
  const problems: string[] = [];
  const tables = Object.keys(config.tables);
  if (typeof payload.table !== 'string' || !(payload.table in config.tables)) {
    problems.push(`replay table must be one of ${tables.map((t) => `'${t}'`).join(', ') || '(none configured)'}, got ${JSON.stringify(payload.table ?? null)}: add the table to the BatchTrigger's replay tables`);
  }
  const from = typeof payload.from === 'string' ? Date.parse(payload.from) : NaN;
  const to = typeof payload.to === 'string' ? Date.parse(payload.to) : NaN;
  const { from: fromName, to: toName } = names;
  if (Number.isNaN(from)) problems.push(`replay ${fromName} must be an ISO 8601 instant, got ${JSON.stringify(payload.from ?? null)}: e.g. '2026-11-27T03:00:00Z'`);
  if (Number.isNaN(to)) problems.push(`replay ${toName} must be an ISO 8601 instant, got ${JSON.stringify(payload.to ?? null)}: e.g. '2026-11-27T08:00:00Z'`);
  if (!Number.isNaN(from) && !Number.isNaN(to)) {
    if (to <= from) problems.push(`replay ${toName} must be after ${fromName}, got ${fromName} ${payload.from} and ${toName} ${payload.to}: ${toName} is exclusive`);
    else if (to - from > MAX_REPLAY_RANGE_MS) problems.push(`replay range must be at most 3660 days, got ${Math.round((to - from) / 86_400_000)} days: split it into several replays`);
  }
  if (payload.source !== undefined && payload.source !== 'raw' && payload.source !== 'errors') {
    problems.push(`replay source must be 'raw' or 'errors', got ${JSON.stringify(payload.source)}`);
  }
  return problems;
}

/**
 * The prefixes of one replay: the raw backup's periods, or the error output's periods of every
 * error type. Assumes {@link replayProblems} found nothing.
 */
export function replayPrefixes(config: ReplayConfig, payload: ReplayPayload): string[] {
  const templates = config.tables[payload.table];
  const from = Date.parse(payload.from);
  const to = Date.parse(payload.to);
  if ((payload.source ?? 'raw') === 'raw') return prefixesOver(templates.raw, from, to, config.timeZone);
  return ERROR_OUTPUT_TYPES.flatMap((type) => prefixesOver(templates.errors.split(ERROR_TYPE).join(type), from, to, config.timeZone));
}
