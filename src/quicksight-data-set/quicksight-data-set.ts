import { Annotations, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import { AthenaQueryLayer } from '../athena-query-layer/athena-query-layer';
import { CrawledCatalog } from '../crawled-catalog/crawled-catalog';
import { PartitionLayout } from '../layout/partition-layout';
import { throwIfAny, unscopedDataLakeError } from '../private/errors';
import { Column } from '../schema/table-schema';

/**
 * A day of the week, for weekly SPICE refreshes.
 */
export class RefreshWeekDay {
  /** Monday. */
  public static readonly MONDAY = new RefreshWeekDay('MONDAY');
  /** Tuesday. */
  public static readonly TUESDAY = new RefreshWeekDay('TUESDAY');
  /** Wednesday. */
  public static readonly WEDNESDAY = new RefreshWeekDay('WEDNESDAY');
  /** Thursday. */
  public static readonly THURSDAY = new RefreshWeekDay('THURSDAY');
  /** Friday. */
  public static readonly FRIDAY = new RefreshWeekDay('FRIDAY');
  /** Saturday. */
  public static readonly SATURDAY = new RefreshWeekDay('SATURDAY');
  /** Sunday. */
  public static readonly SUNDAY = new RefreshWeekDay('SUNDAY');

  /** The QuickSight value (`RefreshOnDay.DayOfWeek`). */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * Options of an hourly SPICE refresh.
 */
export interface HourlyRefreshOptions {
  /**
   * The time zone the schedule runs in: an IANA time zone ID such as `Europe/Berlin`.
   *
   * @default "UTC" - the time zone the lake is partitioned in
   */
  readonly timeZone?: string;
}

/**
 * Options of a daily, weekly or monthly SPICE refresh.
 */
export interface SpiceRefreshOptions {
  /**
   * The time of day the refresh starts, `HH:MM` on a 24-hour clock, in `timeZone`.
   *
   * @default "01:00" - in UTC, after Firehose (which buffers at most 15 minutes) has written the previous day's last objects
   */
  readonly timeOfDay?: string;

  /**
   * The time zone `timeOfDay` is in: an IANA time zone ID such as `Europe/Berlin`.
   *
   * @default "UTC" - the time zone the lake is partitioned in
   */
  readonly timeZone?: string;
}

// `HH:MM` on a 24-hour clock (ScheduleFrequency.TimeOfTheDay).
// https://docs.aws.amazon.com/quicksight/latest/APIReference/API_RefreshFrequency.html
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const DEFAULT_TIME_OF_DAY = '01:00';
const DEFAULT_TIME_ZONE = 'UTC';

/** Problems with a refresh's time of day and time zone; tokens are skipped. */
function refreshTimeProblems(timeOfDay: string | undefined, timeZone: string): string[] {
  const problems: string[] = [];
  if (timeOfDay !== undefined && !Token.isUnresolved(timeOfDay) && !TIME_OF_DAY.test(timeOfDay)) {
    problems.push(`timeOfDay must be HH:MM on a 24-hour clock, got '${timeOfDay}': e.g. '06:30'`);
  }
  // QuickSight takes Java time zone IDs, which are the IANA IDs; Intl knows the same database.
  // https://docs.aws.amazon.com/quicksight/latest/APIReference/API_RefreshFrequency.html
  if (!Token.isUnresolved(timeZone)) {
    let known = timeZone.length > 0;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      known = false;
    }
    if (!known) {
      problems.push(`timeZone must be an IANA time zone ID, got '${timeZone}': e.g. 'UTC' or 'Europe/Berlin'`);
    }
  }
  return problems;
}

/**
 * When SPICE re-imports the table: a full refresh (`FULL_REFRESH`) on a schedule.
 *
 * Each refresh queries the whole table through the workgroup, so it must fit under the
 * workgroup's `bytesScannedCutoffPerQuery`; Athena cancels it otherwise.
 *
 * @see https://docs.aws.amazon.com/quicksight/latest/user/refreshing-imported-data.html
 */
export class SpiceRefresh {
  /**
   * Every hour. QuickSight allows one hourly schedule per data set.
   */
  public static hourly(options: HourlyRefreshOptions = {}): SpiceRefresh {
    const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    const problems = refreshTimeProblems(undefined, timeZone);
    if (problems.length > 0) throw unscopedDataLakeError('SpiceRefresh.hourly', ...problems);
    return new SpiceRefresh('HOURLY', timeZone);
  }

  /** Every day at a time of day. */
  public static daily(options: SpiceRefreshOptions = {}): SpiceRefresh {
    return SpiceRefresh.atTime('SpiceRefresh.daily', 'DAILY', options, [], undefined);
  }

  /** Every week on a day, at a time of day. */
  public static weekly(day: RefreshWeekDay, options: SpiceRefreshOptions = {}): SpiceRefresh {
    return SpiceRefresh.atTime('SpiceRefresh.weekly', 'WEEKLY', options, [], { dayOfWeek: day.name });
  }

  /**
   * Every month on a day, at a time of day.
   *
   * @param dayOfMonth 1 to 28, so that every month has the day
   */
  public static monthly(dayOfMonth: number, options: SpiceRefreshOptions = {}): SpiceRefresh {
    // RefreshOnDay.DayOfMonth: 1 to 28 (or LAST_DAY_OF_MONTH).
    // https://docs.aws.amazon.com/quicksight/latest/APIReference/API_ScheduleRefreshOnEntity.html
    const dayProblems = Number.isInteger(dayOfMonth) && dayOfMonth >= 1 && dayOfMonth <= 28
      ? []
      : [`dayOfMonth must be a whole number from 1 to 28 (a day every month has), got ${dayOfMonth}: e.g. 1`];
    return SpiceRefresh.atTime('SpiceRefresh.monthly', 'MONTHLY', options, dayProblems, { dayOfMonth: `${dayOfMonth}` });
  }

  private static atTime(
    owner: string,
    interval: string,
    options: SpiceRefreshOptions,
    problems: string[],
    refreshOnDay: quicksight.CfnRefreshSchedule.RefreshOnDayProperty | undefined,
  ): SpiceRefresh {
    const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    const all = [...problems, ...refreshTimeProblems(options.timeOfDay, timeZone)];
    if (all.length > 0) throw unscopedDataLakeError(owner, ...all);
    return new SpiceRefresh(interval, timeZone, options.timeOfDay ?? DEFAULT_TIME_OF_DAY, refreshOnDay);
  }

  /** The QuickSight interval: `HOURLY`, `DAILY`, `WEEKLY` or `MONTHLY`. */
  public readonly interval: string;

  /** The time zone of the schedule. */
  public readonly timeZone: string;

  /**
   * The time of day the refresh starts, `HH:MM`.
   *
   * @default - none for hourly refreshes
   */
  public readonly timeOfDay?: string;

  /** @internal */
  public readonly _refreshOnDay?: quicksight.CfnRefreshSchedule.RefreshOnDayProperty;

  private constructor(interval: string, timeZone: string, timeOfDay?: string, refreshOnDay?: quicksight.CfnRefreshSchedule.RefreshOnDayProperty) {
    this.interval = interval;
    this.timeZone = timeZone;
    this.timeOfDay = timeOfDay;
    this._refreshOnDay = refreshOnDay;
  }
}

/**
 * Options of the SPICE import mode.
 */
export interface SpiceImportOptions {
  /**
   * When SPICE re-imports the whole table.
   *
   * @default SpiceRefresh.daily() - every day at 01:00 UTC
   */
  readonly refresh?: SpiceRefresh;
}

/**
 * How QuickSight reads the table: querying Athena for every visual, or from its in-memory
 * copy (SPICE) refreshed on a schedule.
 *
 * @see https://docs.aws.amazon.com/quicksight/latest/user/spice.html
 */
export class DataSetImportMode {
  /**
   * Every visual queries Athena (`DIRECT_QUERY`): always current, no SPICE capacity used, and
   * each view of a visual runs (and is billed as) an Athena query under the workgroup's scan
   * cutoff.
   */
  public static directQuery(): DataSetImportMode {
    return new DataSetImportMode('DIRECT_QUERY');
  }

  /**
   * QuickSight imports the table into SPICE and refreshes it on a schedule (`SPICE`): fast
   * visuals and no Athena query per view, data as of the last refresh, SPICE capacity used.
   * The stack does not wait for the first import (it can take hours on a large table); its
   * progress shows in the data set's refresh history.
   */
  public static spice(options: SpiceImportOptions = {}): DataSetImportMode {
    return new DataSetImportMode('SPICE', options.refresh ?? SpiceRefresh.daily());
  }

  /** The QuickSight import mode: `DIRECT_QUERY` or `SPICE`. */
  public readonly mode: string;

  /** @internal */
  public readonly _refresh?: SpiceRefresh;

  private constructor(mode: string, refresh?: SpiceRefresh) {
    this.mode = mode;
    this._refresh = refresh;
  }
}

/**
 * A column of the table that the data set leaves out, and why.
 */
export interface OmittedColumn {
  /** The column's name. */
  readonly name: string;

  /** The column's Glue type, e.g. `array<string>`. */
  readonly glueType: string;

  /** Why QuickSight cannot use it. */
  readonly reason: string;
}

/**
 * Properties of a `QuickSightDataSet`.
 *
 * What CloudFormation cannot create, and must exist before the stack is deployed:
 *
 * - the account's QuickSight subscription (Enterprise edition for groups and run-as roles)
 * - the QuickSight users and groups named in `owners` and `readers`
 * - without a run-as `role`, the QuickSight service role's access to: Athena; the lake bucket
 *   and the query results bucket (QuickSight console: Manage QuickSight, Security &
 *   permissions); and the KMS keys of both buckets (`kms:Decrypt`, plus `kms:GenerateDataKey`
 *   on the results key), in the keys' policies or as grants
 */
export interface QuickSightDataSetProps extends QuickSightDataSetOptions {
  /** The Athena workgroup QuickSight queries through (its results location, encryption and scan cutoff apply). */
  readonly queryLayer: AthenaQueryLayer;

  /**
   * The table the data set reads. It must declare a schema: QuickSight needs the columns at
   * synth, and a schema-on-read table has none until its crawler runs.
   */
  readonly catalog: CrawledCatalog;
}

/**
 * Who sees the data set and how it is filled: everything but the workgroup and the table (also
 * what `ServerlessDataLake` passes through to it).
 */
export interface QuickSightDataSetOptions {
  /**
   * QuickSight users or groups that own the data set, its data source and the starter
   * analysis and dashboard: they may use, edit, share, refresh and delete them. At least one
   * (a data set no one may open is of no use); a group of your QuickSight admins or authors is
   * the usual choice.
   *
   * ARNs of the form `arn:<partition>:quicksight:<identity region>:<account>:user/<namespace>/<name>`
   * or `…:group/<namespace>/<name>`, in the stack's account. The identity region is where the
   * QuickSight users live, which may differ from the stack's region.
   *
   * @see https://docs.aws.amazon.com/quicksight/latest/APIReference/API_ResourcePermission.html
   */
  readonly owners: string[];

  /**
   * QuickSight users or groups that may use the data set in their own analyses (not edit,
   * share or delete it) and view the starter dashboard. They get nothing on the data source:
   * passing it would let them build data sets over any table the workgroup can read. Same ARN
   * form as `owners`; at most 64 principals in `owners` and `readers` together.
   *
   * @default - none
   */
  readonly readers?: string[];

  /**
   * How QuickSight reads the table.
   *
   * @default DataSetImportMode.directQuery()
   */
  readonly importMode?: DataSetImportMode;

  /**
   * An IAM role QuickSight assumes to query this data source ("run-as role"), in place of the
   * account-wide QuickSight service role. It is granted `queryLayer.grantQuery()` and
   * `catalog.grantRead()`, plus the Athena catalog metadata of the table, so no console step
   * is needed for this table. It must trust `quicksight.amazonaws.com`, and the deployment's
   * credentials need `iam:PassRole` on it.
   *
   * @see https://docs.aws.amazon.com/quicksight/latest/user/datasource-run-as-role.html
   * @default - the account's QuickSight service role, which you must allow to use Athena, the lake and results buckets and their keys
   */
  readonly role?: iam.IRole;

  /**
   * The data set's display name in QuickSight, 1 to 128 characters.
   *
   * @default - the table name
   */
  readonly dataSetName?: string;

  /**
   * Define a starter analysis and a dashboard published from the same definition: one sheet
   * with the rows per partition period (a line chart of the row count by the period the
   * partition keys name) and a table of the newest rows, both over the last 24 hours, 7 days
   * or 12 months (hourly, daily or monthly layout). Owners own both; readers view the
   * dashboard.
   *
   * Off by default: CloudFormation owns what it defines, so edits made in the QuickSight
   * console are reverted by the next deployment; teams author their own analyses on the data
   * set instead. Turn it on for a first look at the data, or as a template to copy. With
   * `DataSetImportMode.directQuery()` every view runs the visuals' queries in Athena, within
   * the workgroup's scan cutoff; prefer SPICE for a dashboard many people open.
   *
   * @default false
   */
  readonly starterDashboard?: boolean;
}

// Actions per QuickSight asset and role. The viewer sets and the analysis owner set are the
// QuickSight Developer Guide's (its update-*-permissions pages); the guide lists no owner set
// for data sources, data sets and dashboards: theirs add the asset's update, delete and
// permission actions (and, for data sets, starting and cancelling SPICE ingestions).
// https://docs.aws.amazon.com/quicksight/latest/developerguide/update-data-source-permissions.html
const DATA_SOURCE_OWNER_ACTIONS = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
  'quicksight:UpdateDataSource',
  'quicksight:DeleteDataSource',
  'quicksight:UpdateDataSourcePermissions',
];
// https://docs.aws.amazon.com/quicksight/latest/developerguide/update-data-set-permissions.html
const DATA_SET_READER_ACTIONS = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
];
const DATA_SET_OWNER_ACTIONS = [
  ...DATA_SET_READER_ACTIONS,
  'quicksight:UpdateDataSet',
  'quicksight:DeleteDataSet',
  'quicksight:CreateIngestion',
  'quicksight:CancelIngestion',
  'quicksight:UpdateDataSetPermissions',
];
// https://docs.aws.amazon.com/quicksight/latest/developerguide/update-analysis-permissions.html
const ANALYSIS_OWNER_ACTIONS = [
  'quicksight:RestoreAnalysis',
  'quicksight:UpdateAnalysisPermissions',
  'quicksight:DeleteAnalysis',
  'quicksight:QueryAnalysis',
  'quicksight:DescribeAnalysisPermissions',
  'quicksight:DescribeAnalysis',
  'quicksight:UpdateAnalysis',
];
// https://docs.aws.amazon.com/quicksight/latest/developerguide/update-dashboard-permissions.html
const DASHBOARD_READER_ACTIONS = ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'];
const DASHBOARD_OWNER_ACTIONS = [
  ...DASHBOARD_READER_ACTIONS,
  'quicksight:UpdateDashboard',
  'quicksight:DeleteDashboard',
  'quicksight:DescribeDashboardPermissions',
  'quicksight:UpdateDashboardPermissions',
  'quicksight:UpdateDashboardPublishedVersion',
];

// QuickSight user and group ARNs. The region is the identity region; federated user names
// contain a '/' (`<role>/<session>`). Namespaces: letters, digits, '.', '_' and '-'.
// https://docs.aws.amazon.com/quicksight/latest/APIReference/qs-api-permissions.html
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:quicksight:[a-z]+(?:-[a-z]+)+-\d+:(\d{12}):(?:user|group)\/[A-Za-z0-9._-]+\/.+$/;
// Permissions of a data set, data source, analysis or dashboard: at most 64 principals.
// https://docs.aws.amazon.com/quicksight/latest/APIReference/API_UpdateDataSetPermissions.html
const MAX_PRINCIPALS = 64;
// Data set names: 1 to 128 characters (AWS::QuickSight::DataSet.Name).
const MAX_NAME = 128;
// InputColumn.Name: at most 127 characters.
const MAX_COLUMN_NAME = 127;
// The Glue Data Catalog as Athena names it.
const CATALOG = 'AwsDataCatalog';
// QuickSight's fixed-point decimal holds at most 18 digits, 4 of them after the point; wider
// decimals are imported into SPICE as floating point.
// https://docs.aws.amazon.com/quicksight/latest/user/supported-data-types-and-values.html
const FIXED_MAX_PRECISION = 18;
const FIXED_MAX_SCALE = 4;

/** What a Glue type becomes in QuickSight: an input column type, or the reason it cannot be one. */
interface MappedType {
  readonly type?: string;
  readonly subType?: string;
  readonly reason?: string;
  readonly unknown?: boolean;
}

/**
 * The QuickSight type of a Glue column type. Athena types QuickSight reads: bigint, decimal,
 * double, integer, real, smallint, tinyint, char, varchar, date, timestamp, boolean; it skips
 * every other column.
 *
 * | Glue type | QuickSight type | SPICE sub type |
 * | --- | --- | --- |
 * | string, varchar(n), char(n) | STRING | |
 * | tinyint, smallint, int, integer, bigint | INTEGER | |
 * | float, real, double | DECIMAL | FLOAT |
 * | decimal(p,s) | DECIMAL | FIXED when p <= 18 and s <= 4, else FLOAT |
 * | boolean | BOOLEAN | |
 * | date, timestamp | DATETIME | |
 * | binary | omitted: no binary columns in QuickSight | |
 * | array, map, struct | omitted: QuickSight cannot type nested values | |
 * | anything else | omitted, with a warning | |
 *
 * @see https://docs.aws.amazon.com/quicksight/latest/user/supported-data-types.html
 */
function quickSightType(glueType: string, isPrimitive: boolean, spice: boolean): MappedType {
  const t = glueType.trim().toLowerCase();
  const nested = /^(array|map|struct|uniontype)\s*</.exec(t);
  if (nested || !isPrimitive) {
    const kind = nested ? nested[1] : 'nested';
    return { reason: `QuickSight cannot type ${kind} columns and skips them: add a primitive column with the values to chart` };
  }
  const base = t.replace(/\s*\(.*$/, '');
  switch (base) {
    case 'string':
    case 'varchar':
    case 'char':
      return { type: 'STRING' };
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'integer':
    case 'bigint':
      return { type: 'INTEGER' };
    case 'float':
    case 'real':
    case 'double':
      return { type: 'DECIMAL', subType: spice ? 'FLOAT' : undefined };
    case 'decimal': {
      // Hive's decimal without arguments is decimal(10,0).
      const m = /^decimal\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
      const precision = m?.[1] !== undefined ? Number(m[1]) : 10;
      const scale = m?.[2] !== undefined ? Number(m[2]) : 0;
      const fixed = precision <= FIXED_MAX_PRECISION && scale <= FIXED_MAX_SCALE;
      return { type: 'DECIMAL', subType: spice ? (fixed ? 'FIXED' : 'FLOAT') : undefined };
    }
    case 'boolean':
      return { type: 'BOOLEAN' };
    case 'date':
    case 'timestamp':
      return { type: 'DATETIME' };
    case 'binary':
      return { reason: 'QuickSight does not support binary columns and skips them' };
    default:
      return { reason: `QuickSight has no type for the Glue type '${glueType}'`, unknown: true };
  }
}

/** The QuickSight input columns of a table's schema and partition keys, and the columns left out. */
function inputColumns(columns: Column[], partitionKeys: string[], spice: boolean) {
  const input: quicksight.CfnDataSet.InputColumnProperty[] = [];
  const omitted: OmittedColumn[] = [];
  const unknown: OmittedColumn[] = [];
  for (const c of columns) {
    const mapped = quickSightType(c.type.inputString, c.type.isPrimitive, spice);
    const glueType = c.type.inputString;
    if (mapped.type === undefined) {
      const o = { name: c.name, glueType, reason: mapped.reason ?? '' };
      omitted.push(o);
      if (mapped.unknown) unknown.push(o);
    } else if (c.name.length > MAX_COLUMN_NAME) {
      omitted.push({ name: c.name, glueType, reason: `QuickSight column names are at most ${MAX_COLUMN_NAME} characters, this one has ${c.name.length}` });
    } else {
      input.push({ name: c.name, type: mapped.type, subType: mapped.subType });
    }
  }
  // The table's partition keys are strings (CrawledCatalog declares them so).
  for (const key of partitionKeys) input.push({ name: key, type: 'STRING' });
  return { input, omitted, unknown };
}

/** A principal list's problems: ARN form, account, duplicates. Tokens are skipped. */
function principalProblems(prop: string, arns: string[], account: string): string[] {
  const problems: string[] = [];
  const example = `arn:aws:quicksight:us-east-1:${Token.isUnresolved(account) ? '123456789012' : account}:group/default/analysts`;
  const seen = new Set<string>();
  arns.forEach((arn, i) => {
    if (Token.isUnresolved(arn)) return;
    const m = PRINCIPAL_ARN.exec(arn);
    if (!m) {
      problems.push(
        `${prop}[${i}] must be a QuickSight user or group ARN (arn:<partition>:quicksight:<region>:<account>:user/<namespace>/<name> or ...:group/<namespace>/<name>), got '${arn}': e.g. '${example}'`,
      );
    } else if (!Token.isUnresolved(account) && m[1] !== account) {
      problems.push(
        `${prop}[${i}] must be a principal of the stack's account ${account}, got one of account ${m[1]} ('${arn}'): QuickSight shares data sets only with users and groups of its own account`,
      );
    }
    if (seen.has(arn)) problems.push(`${prop} must list each principal once, got '${arn}' twice: remove the duplicate`);
    seen.add(arn);
  });
  return problems;
}

/** A name cut to `max` characters, unless it is a token. */
function truncate(name: string, max: number): string {
  return Token.isUnresolved(name) ? name : name.slice(0, max);
}

// QuickSight dates are parsed with Joda-style patterns; the keys are written as yyyy, MM, dd, HH.
// https://docs.aws.amazon.com/quicksight/latest/user/parseDate-function.html
const KEY_PATTERNS = ['yyyy', 'MM', 'dd', 'HH'];
const KEY_SEPARATORS = ['', '-', '-', ' '];
const STARTER: Record<string, { granularity: string; last: number; title: string; window: string }> = {
  HOURLY: { granularity: 'HOUR', last: 24, title: 'Rows per hour', window: 'last 24 hours' },
  DAILY: { granularity: 'DAY', last: 7, title: 'Rows per day', window: 'last 7 days' },
  MONTHLY: { granularity: 'MONTH', last: 12, title: 'Rows per month', window: 'last 12 months' },
};
const TRUNC_PERIODS: Record<string, string> = { HOURLY: 'HH', DAILY: 'DD', MONTHLY: 'MM' };
/** The calculated period column; a space keeps it from clashing with a lake column (lowercase, digits, underscores). */
const PERIOD_FIELD = 'Partition start (UTC)';
const DATA_SET_IDENTIFIER = 'lake';
const SHEET_ID = 'overview';

/** A Hive-style table's period: its partition keys parsed back into a date. */
function hivePeriod(layout: PartitionLayout): { expression: string; countColumn: string } {
  const keys = layout.partitionKeys;
  const concat = keys.flatMap((k, i) => (i === 0 ? [`{${k}}`] : [`'${KEY_SEPARATORS[i]}'`, `{${k}}`]));
  const pattern = keys.map((_k, i) => `${KEY_SEPARATORS[i]}${KEY_PATTERNS[i]}`).join('');
  return { expression: `parseDate(concat(${concat.join(', ')}), '${pattern}')`, countColumn: keys[0] };
}

/**
 * An Iceberg table's period: its partition column truncated to the layout's granularity.
 *
 * @see https://docs.aws.amazon.com/quicksight/latest/user/truncDate-function.html
 */
function icebergPeriod(layout: PartitionLayout, column: string): { expression: string; countColumn: string } {
  return { expression: `truncDate('${TRUNC_PERIODS[layout.granularity.name]}', {${column}})`, countColumn: column };
}

/**
 * The starter definition: the partition period as a calculated field, a line chart of the row
 * count per period and a table of the newest rows, filtered to a recent window.
 */
function starterDefinition(
  dataSetArn: string,
  layout: PartitionLayout,
  columns: string[],
  icebergPartitionColumn?: string,
): quicksight.CfnDashboard.DashboardVersionDefinitionProperty {
  const starter = STARTER[layout.granularity.name];
  const { expression, countColumn } = icebergPartitionColumn ? icebergPeriod(layout, icebergPartitionColumn) : hivePeriod(layout);
  const column = (columnName: string) => ({ dataSetIdentifier: DATA_SET_IDENTIFIER, columnName });
  const title = (plainText: string) => ({ visibility: 'VISIBLE', formatText: { plainText } });
  return {
    dataSetIdentifierDeclarations: [{ identifier: DATA_SET_IDENTIFIER, dataSetArn }],
    calculatedFields: [{ dataSetIdentifier: DATA_SET_IDENTIFIER, name: PERIOD_FIELD, expression }],
    sheets: [
      {
        sheetId: SHEET_ID,
        name: 'Overview',
        visuals: [
          {
            lineChartVisual: {
              visualId: 'rows-per-period',
              title: title(`${starter.title} (${starter.window})`),
              chartConfiguration: {
                fieldWells: {
                  lineChartAggregatedFieldWells: {
                    category: [{ dateDimensionField: { fieldId: 'period', column: column(PERIOD_FIELD), dateGranularity: starter.granularity } }],
                    values: [{ categoricalMeasureField: { fieldId: 'rows', column: column(countColumn), aggregationFunction: 'COUNT' } }],
                  },
                },
              },
            },
          },
          {
            tableVisual: {
              visualId: 'latest-rows',
              title: title(`Newest rows (${starter.window})`),
              chartConfiguration: {
                fieldWells: {
                  tableUnaggregatedFieldWells: {
                    values: [PERIOD_FIELD, ...columns].map((name, i) => ({ fieldId: `latest-${i}`, column: column(name) })),
                  },
                },
                sortConfiguration: { rowSort: [{ fieldSort: { fieldId: 'latest-0', direction: 'DESC' } }] },
              },
            },
          },
        ],
      },
    ],
    filterGroups: [
      {
        filterGroupId: 'recent-partitions',
        crossDataset: 'SINGLE_DATASET',
        status: 'ENABLED',
        scopeConfiguration: { selectedSheets: { sheetVisualScopingConfigurations: [{ sheetId: SHEET_ID, scope: 'ALL_VISUALS' }] } },
        filters: [
          {
            relativeDatesFilter: {
              filterId: 'recent-partitions-filter',
              column: column(PERIOD_FIELD),
              anchorDateConfiguration: { anchorOption: 'NOW' },
              relativeDateType: 'LAST',
              relativeDateValue: starter.last,
              timeGranularity: starter.granularity,
              nullOption: 'NON_NULLS_ONLY',
            },
          },
        ],
      },
    ],
  };
}

// A table visual holds at most 200 fields; the period takes one.
const MAX_TABLE_FIELDS = 199;

/**
 * A QuickSight data set over one table of the lake, read through the lake's Athena workgroup.
 *
 * Defines:
 * - an Athena data source (`dataSource`) bound to the workgroup, with SSL
 * - the data set (`dataSet`) over the Glue table: its typed columns and the partition keys;
 *   arrays, maps, structs and binary columns are left out (`omittedColumns`)
 * - with SPICE, a full-refresh schedule (`refreshSchedule`)
 * - optionally a starter analysis (`analysis`) and dashboard (`dashboard`)
 * - with a run-as `role`, its grants on the workgroup, the results and the table
 *
 * Prerequisites CloudFormation cannot create: the account's QuickSight subscription; the users
 * and groups in `owners` and `readers`; and, unless you pass a run-as `role`, the QuickSight
 * service role's access to Athena, the lake and results buckets and their KMS keys (see
 * `QuickSightDataSetProps`).
 *
 * @example
 * declare const catalog: CrawledCatalog;
 * const queries = new AthenaQueryLayer(this, 'Queries', { tables: [catalog] });
 * new QuickSightDataSet(this, 'Reports', {
 *   queryLayer: queries,
 *   catalog,
 *   owners: ['arn:aws:quicksight:us-east-1:123456789012:group/default/analysts'],
 *   importMode: DataSetImportMode.spice({ refresh: SpiceRefresh.daily({ timeOfDay: '06:00', timeZone: 'Europe/Berlin' }) }),
 * });
 */
export class QuickSightDataSet extends Construct {
  /** The Athena data source. */
  public readonly dataSource: quicksight.CfnDataSource;

  /** The data set. */
  public readonly dataSet: quicksight.CfnDataSet;

  /**
   * The SPICE refresh schedule.
   *
   * @default - none with `DataSetImportMode.directQuery()`
   */
  public readonly refreshSchedule?: quicksight.CfnRefreshSchedule;

  /**
   * The starter analysis.
   *
   * @default - none unless `starterDashboard` is true
   */
  public readonly analysis?: quicksight.CfnAnalysis;

  /**
   * The starter dashboard.
   *
   * @default - none unless `starterDashboard` is true
   */
  public readonly dashboard?: quicksight.CfnDashboard;

  /** The ID of the data set. */
  public readonly dataSetId: string;

  /** The ARN of the data set. */
  public readonly dataSetArn: string;

  /** The ARN of the data source. */
  public readonly dataSourceArn: string;

  /** How QuickSight reads the table. */
  public readonly importMode: DataSetImportMode;

  /** The table's columns the data set leaves out, because QuickSight cannot use them. */
  public readonly omittedColumns: OmittedColumn[];

  public constructor(scope: Construct, id: string, props: QuickSightDataSetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const account = stack.account;
    const catalog = props.catalog;
    const importMode = props.importMode ?? DataSetImportMode.directQuery();
    const spice = importMode.mode === 'SPICE';
    const readers = props.readers ?? [];
    const dataSetName = props.dataSetName ?? catalog.tableName;

    const problems: string[] = [];
    if (catalog.schema === undefined) {
      problems.push(
        `catalog ${catalog.node.path} must declare a schema, got a schema-on-read table whose columns exist only once its crawler has run: declare schema on the CrawledCatalog so the data set's columns are known at synth, or create the data set in QuickSight after the crawler has created the table`,
      );
    }
    if (props.owners.length === 0) {
      problems.push(
        'owners must hold at least one QuickSight user or group ARN, got none: a data set no one may open is of no use; pass e.g. the ARN of the QuickSight group of your authors',
      );
    }
    problems.push(...principalProblems('owners', props.owners, account), ...principalProblems('readers', readers, account));
    for (const arn of readers) {
      if (!Token.isUnresolved(arn) && props.owners.includes(arn)) {
        problems.push(`readers must not repeat an owner, got '${arn}' in both: owners can already do what readers can; keep it in owners only`);
      }
    }
    const principals = props.owners.length + readers.length;
    if (principals > MAX_PRINCIPALS) {
      problems.push(
        `owners and readers must hold at most ${MAX_PRINCIPALS} principals together (QuickSight's limit per data set), got ${principals}: grant QuickSight groups instead of their users`,
      );
    }
    if (!Token.isUnresolved(dataSetName) && (dataSetName.length === 0 || dataSetName.length > MAX_NAME)) {
      problems.push(`dataSetName must be 1 to ${MAX_NAME} characters (QuickSight's limit), got ${dataSetName.length}: use a shorter name`);
    }
    if (props.role instanceof iam.Role && !trustsQuickSight(props.role)) {
      problems.push(
        `role must trust quicksight.amazonaws.com, got ${props.role.node.path} whose trust policy does not name it: create it with assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com')`,
      );
    }
    if (catalog.tableFormat.isIceberg && (props.starterDashboard ?? false) && catalog.tableFormat.icebergOptions?.partitionColumn === undefined) {
      problems.push(
        'starterDashboard charts rows per period of the table\'s time partitions, got an unpartitioned Iceberg table: set partitionColumn in TableFormat.iceberg(), or remove starterDashboard',
      );
    }
    throwIfAny(this, problems);

    const columns = inputColumns(catalog.schema?.columns ?? [], catalog.partitionKeys, spice);
    this.omittedColumns = columns.omitted;
    this.importMode = importMode;
    const known = columns.omitted.filter((o) => !columns.unknown.includes(o));
    if (known.length > 0) {
      Annotations.of(this).addInfo(
        `the data set leaves out columns QuickSight cannot use: ${known.map((o) => `${o.name} (${o.glueType})`).join(', ')}; see omittedColumns for the reasons`,
      );
    }
    if (columns.unknown.length > 0) {
      Annotations.of(this).addWarningV2(
        'cdk-serverless-data-lake:QuickSightDataSet.unknownColumnType',
        `the data set leaves out columns of Glue types it does not recognize: ${columns.unknown.map((o) => `${o.name} (${o.glueType})`).join(', ')}; declare them with a ColumnType QuickSight reads, e.g. ColumnType.STRING`,
      );
    }

    const baseId = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    const owners = (actions: string[]) => props.owners.map((principal) => ({ principal, actions }));
    const readersWith = (actions: string[]) => readers.map((principal) => ({ principal, actions }));

    const roleGrant = props.role ? this.grantRole(props.role, props.queryLayer, catalog) : undefined;

    this.dataSource = new quicksight.CfnDataSource(this, 'DataSource', {
      awsAccountId: account,
      dataSourceId: `${baseId}-source`,
      name: truncate(`${dataSetName} (Athena)`, MAX_NAME),
      type: 'ATHENA',
      dataSourceParameters: { athenaParameters: { workGroup: props.queryLayer.workGroupName, roleArn: props.role?.roleArn } },
      sslProperties: { disableSsl: false },
      permissions: owners(DATA_SOURCE_OWNER_ACTIONS),
    });
    // QuickSight checks the workgroup (and, with a run-as role, the role's access) when it
    // creates the data source: the workgroup name is a literal, so depend on it explicitly,
    // and on the role's policies.
    this.dataSource.node.addDependency(props.queryLayer.workGroup);
    roleGrant?.applyBefore(this.dataSource);
    this.dataSourceArn = this.dataSource.attrArn;

    this.dataSetId = `${baseId}-data`;
    this.dataSet = new quicksight.CfnDataSet(this, 'Resource', {
      awsAccountId: account,
      dataSetId: this.dataSetId,
      name: dataSetName,
      importMode: importMode.mode,
      physicalTableMap: {
        [DATA_SET_IDENTIFIER]: {
          relationalTable: {
            dataSourceArn: this.dataSource.attrArn,
            catalog: CATALOG,
            schema: catalog.databaseName,
            name: catalog.tableName,
            inputColumns: columns.input,
          },
        },
      },
      permissions: [...owners(DATA_SET_OWNER_ACTIONS), ...readersWith(DATA_SET_READER_ACTIONS)],
      // The first SPICE import of a large table can take hours: the deployment does not wait
      // for it (CloudFormation would, for up to 36 hours).
      ingestionWaitPolicy: spice ? { waitForSpiceIngestion: false } : undefined,
    });
    // The relational table names the Glue table by name: create it first.
    if (catalog.table) this.dataSet.node.addDependency(catalog.table);
    this.dataSetArn = this.dataSet.attrArn;

    const refresh = importMode._refresh;
    if (refresh) {
      this.refreshSchedule = new quicksight.CfnRefreshSchedule(this, 'RefreshSchedule', {
        awsAccountId: account,
        dataSetId: this.dataSetId,
        schedule: {
          scheduleId: `${baseId}-refresh`,
          refreshType: 'FULL_REFRESH',
          scheduleFrequency: {
            interval: refresh.interval,
            timeOfTheDay: refresh.timeOfDay,
            timeZone: refresh.timeZone,
            refreshOnDay: refresh._refreshOnDay,
          },
        },
      });
      this.refreshSchedule.node.addDependency(this.dataSet);
    }

    if (props.starterDashboard ?? false) {
      const tableColumns = columns.input.map((c) => c.name).slice(0, MAX_TABLE_FIELDS);
      const partitionColumn = catalog.tableFormat.icebergOptions?.partitionColumn;
      const definition = starterDefinition(this.dataSet.attrArn, catalog.layout, tableColumns,
        catalog.tableFormat.isIceberg ? partitionColumn : undefined);
      this.analysis = new quicksight.CfnAnalysis(this, 'Analysis', {
        awsAccountId: account,
        analysisId: `${baseId}-analysis`,
        name: `${dataSetName} (starter analysis)`,
        definition,
        permissions: owners(ANALYSIS_OWNER_ACTIONS),
      });
      this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
        awsAccountId: account,
        dashboardId: `${baseId}-dashboard`,
        name: `${dataSetName} (starter dashboard)`,
        definition,
        permissions: [...owners(DASHBOARD_OWNER_ACTIONS), ...readersWith(DASHBOARD_READER_ACTIONS)],
      });
    }
  }

  /**
   * Lets a run-as role query the table: the workgroup, its results and key, the table's
   * catalog entries and objects, and the Athena view of the table's catalog metadata.
   */
  private grantRole(role: iam.IRole, queryLayer: AthenaQueryLayer, catalog: CrawledCatalog): iam.Grant {
    const stack = Stack.of(this);
    return queryLayer
      .grantQuery(role)
      .combine(catalog.grantRead(role))
      .combine(
        iam.Grant.addToPrincipal({
          grantee: role,
          actions: ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:GetTableMetadata'],
          resourceArns: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: CATALOG })],
        }),
      );
  }
}

/** Whether a role defined in this app names quicksight.amazonaws.com in its trust policy. */
function trustsQuickSight(role: iam.Role): boolean {
  const policy = role.assumeRolePolicy;
  if (!policy) return false;
  return JSON.stringify(Stack.of(role).resolve(policy.toJSON())).includes('quicksight.amazonaws.com');
}
