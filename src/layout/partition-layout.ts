import { unscopedDataLakeError } from '../private/errors';
import { nameProblem } from '../private/names';

/** Where the raw (untransformed) Firehose backup of every table goes. */
const RAW_ROOT = 'raw';
/** Where Firehose error output (processing and conversion failures) of every table goes. */
const ERROR_ROOT = 'errors';

/**
 * How finely the lake is partitioned by arrival time.
 */
export class PartitionGranularity {
  /** year / month / day / hour: the article's layout, and the finest Firehose prefixes allow. */
  public static readonly HOURLY = new PartitionGranularity('HOURLY', 4);
  /** year / month / day. */
  public static readonly DAILY = new PartitionGranularity('DAILY', 3);
  /** year / month. */
  public static readonly MONTHLY = new PartitionGranularity('MONTHLY', 2);

  /** The granularity's name. */
  public readonly name: string;

  /** @internal */
  public readonly _depth: number;

  private constructor(name: string, depth: number) {
    this.name = name;
    this._depth = depth;
  }
}

/**
 * Properties of a `PartitionLayout`.
 */
export interface PartitionLayoutProps {
  /**
   * How finely objects are partitioned by arrival time.
   *
   * @default PartitionGranularity.HOURLY
   */
  readonly granularity?: PartitionGranularity;

  /**
   * Name of the year partition key.
   *
   * @default "year"
   */
  readonly yearKey?: string;

  /**
   * Name of the month partition key.
   *
   * @default "month"
   */
  readonly monthKey?: string;

  /**
   * Name of the day partition key (daily and hourly layouts).
   *
   * @default "day"
   */
  readonly dayKey?: string;

  /**
   * Name of the hour partition key (hourly layouts).
   *
   * @default "hour"
   */
  readonly hourKey?: string;

  /**
   * First year Athena partition projection considers. Queries that do not filter on the year
   * enumerate every year from this one to `projectionLastYear`.
   *
   * @default 2025
   */
  readonly projectionFirstYear?: number;

  /**
   * Last year Athena partition projection considers.
   *
   * @default 2099
   */
  readonly projectionLastYear?: number;
}

interface KeySpec {
  readonly name: string;
  readonly timestamp: string;
  readonly range: string;
  readonly digits: string;
}

/**
 * The partition layout of the lake: `year=/month=/day=/hour=` by arrival time (UTC).
 *
 * The single source of the Firehose data, error and raw-backup prefixes, the Glue partition
 * keys, the Athena partition-projection parameters and location template, and the crawler
 * schedule, so that what Firehose writes and what the catalog reads cannot drift apart.
 *
 * @example
 * const layout = PartitionLayout.hourly();
 * layout.dataPrefix('clicks');
 * // 'clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/'
 */
export class PartitionLayout {
  /** year / month / day / hour with the default key names. */
  public static hourly(): PartitionLayout {
    return new PartitionLayout({ granularity: PartitionGranularity.HOURLY });
  }

  /** year / month / day with the default key names. */
  public static daily(): PartitionLayout {
    return new PartitionLayout({ granularity: PartitionGranularity.DAILY });
  }

  /** year / month with the default key names. */
  public static monthly(): PartitionLayout {
    return new PartitionLayout({ granularity: PartitionGranularity.MONTHLY });
  }

  /** How finely objects are partitioned. */
  public readonly granularity: PartitionGranularity;

  /** The partition key names, coarsest first, e.g. `['year', 'month', 'day', 'hour']`. */
  public readonly partitionKeys: string[];

  /** First year partition projection considers. */
  public readonly projectionFirstYear: number;

  /** Last year partition projection considers. */
  public readonly projectionLastYear: number;

  private readonly specs: KeySpec[];

  public constructor(props: PartitionLayoutProps = {}) {
    this.granularity = props.granularity ?? PartitionGranularity.HOURLY;
    this.projectionFirstYear = props.projectionFirstYear ?? 2025;
    this.projectionLastYear = props.projectionLastYear ?? 2099;

    const all: KeySpec[] = [
      { name: props.yearKey ?? 'year', timestamp: 'yyyy', range: `${this.projectionFirstYear},${this.projectionLastYear}`, digits: '4' },
      { name: props.monthKey ?? 'month', timestamp: 'MM', range: '1,12', digits: '2' },
      { name: props.dayKey ?? 'day', timestamp: 'dd', range: '1,31', digits: '2' },
      { name: props.hourKey ?? 'hour', timestamp: 'HH', range: '0,23', digits: '2' },
    ];
    this.specs = all.slice(0, this.granularity._depth);
    this.partitionKeys = this.specs.map((k) => k.name);

    const problems: string[] = [];
    const given: Array<[string, string | undefined]> = [
      ['yearKey', props.yearKey],
      ['monthKey', props.monthKey],
      ['dayKey', props.dayKey],
      ['hourKey', props.hourKey],
    ];
    for (const [prop, value] of given) {
      if (value === undefined) continue;
      const p = nameProblem(prop, value);
      if (p) problems.push(p);
    }
    if (new Set(this.partitionKeys).size !== this.partitionKeys.length) {
      problems.push(`partition key names must be unique, got ${this.partitionKeys.join(', ')}: give each key its own name`);
    }
    const first = this.projectionFirstYear;
    const last = this.projectionLastYear;
    if (!Number.isInteger(first) || first < 1970 || first > 9999) {
      problems.push(`projectionFirstYear must be a whole year from 1970 to 9999, got ${first}: use the year the lake's first data arrives`);
    }
    if (!Number.isInteger(last) || last > 9999 || (Number.isInteger(first) && last < first)) {
      problems.push(`projectionLastYear must be a whole year from projectionFirstYear (${first}) to 9999, got ${last}: e.g. 2099`);
    }
    if (problems.length > 0) throw unscopedDataLakeError('PartitionLayout', ...problems);
  }

  /**
   * The S3 key prefix Firehose writes a table's objects under, with `!{timestamp:…}`
   * expressions for each partition key: `<table>/year=!{timestamp:yyyy}/…/`.
   */
  public dataPrefix(tableName: string): string {
    return `${tableName}/${this.firehosePartitions()}`;
  }

  /**
   * The S3 key prefix of the table's Firehose error output: processing failures and format
   * conversion failures, one folder per error type, partitioned like the data.
   * `errors/<table>/!{firehose:error-output-type}/year=!{timestamp:yyyy}/…/`.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
   */
  public errorPrefix(tableName: string): string {
    return `${ERROR_ROOT}/${tableName}/!{firehose:error-output-type}/${this.firehosePartitions()}`;
  }

  /**
   * The S3 key prefix of the table's raw backup: the records as Firehose received them,
   * before any transformation. `raw/<table>/year=!{timestamp:yyyy}/…/`.
   */
  public backupPrefix(tableName: string): string {
    return `${RAW_ROOT}/${tableName}/${this.firehosePartitions()}`;
  }

  /** The key prefix under which all of a table's data objects live: `<table>/`. */
  public tableRoot(tableName: string): string {
    return `${tableName}/`;
  }

  /** The key prefix under which all raw backups live, whatever the table: `raw/`. */
  public rawRoot(): string {
    return `${RAW_ROOT}/`;
  }

  /** The key prefix under which all error output lives, whatever the table: `errors/`. */
  public errorRoot(): string {
    return `${ERROR_ROOT}/`;
  }

  /** The table's location for the Glue catalog: `s3://<bucket>/<table>/`. */
  public tableLocation(bucketName: string, tableName: string): string {
    return `s3://${bucketName}/${this.tableRoot(tableName)}`;
  }

  /**
   * An Iceberg table's location: `s3://<bucket>/<table>`, without the trailing slash (Iceberg
   * appends `/data` and `/metadata` to it), so its files are under the same `<table>/` root.
   */
  public icebergTableLocation(bucketName: string, tableName: string): string {
    return `s3://${bucketName}/${tableName}`;
  }

  /**
   * The Athena `storage.location.template` for the table: the data prefix with `${key}`
   * placeholders in place of the Firehose expressions.
   */
  public locationTemplate(bucketName: string, tableName: string): string {
    const parts = this.specs.map((k) => `${k.name}=\${${k.name}}/`).join('');
    return `${this.tableLocation(bucketName, tableName)}${parts}`;
  }

  /**
   * The Glue table parameters that turn on Athena partition projection for this layout:
   * integer keys zero-padded like Firehose writes them, and the location template.
   *
   * @see https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
   */
  public projectionParameters(bucketName: string, tableName: string): { [key: string]: string } {
    const params: { [key: string]: string } = { 'projection.enabled': 'true' };
    for (const k of this.specs) {
      params[`projection.${k.name}.type`] = 'integer';
      params[`projection.${k.name}.range`] = k.range;
      params[`projection.${k.name}.digits`] = k.digits;
    }
    params['storage.location.template'] = this.locationTemplate(bucketName, tableName);
    return params;
  }

  /**
   * A Glue crawler schedule matching the granularity: 20 minutes past each period, once
   * Firehose's longest buffer (900 seconds) has flushed the period's last objects.
   *
   * @returns a Glue cron expression (6 fields, UTC)
   */
  public crawlerSchedule(): string {
    switch (this.granularity._depth) {
      case 4:
        return 'cron(20 * * * ? *)';
      case 3:
        return 'cron(20 0 * * ? *)';
      default:
        return 'cron(20 0 1 * ? *)';
    }
  }

  private firehosePartitions(): string {
    return this.specs.map((k) => `${k.name}=!{timestamp:${k.timestamp}}/`).join('');
  }
}
