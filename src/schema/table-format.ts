import { Duration } from 'aws-cdk-lib';

/**
 * Settings of an Apache Iceberg table.
 */
export interface IcebergOptions {
  /**
   * The `TIMESTAMP` or `DATE` column Iceberg partitions the table by, with the layout's
   * granularity as the transform: `hour(column)` for `PartitionLayout.hourly()`, `day(column)`
   * for daily, `month(column)` for monthly (a `DATE` column cannot be partitioned hourly).
   *
   * Iceberg partitions by a value in the data ("hidden partitioning": queries filter on the
   * column itself and Iceberg prunes), not by arrival time like the Hive-style layout. Without
   * it, the table is unpartitioned: right for small tables, which compaction keeps in a few
   * large files anyway.
   *
   * @default - unpartitioned
   */
  readonly partitionColumn?: string;

  /**
   * Columns that identify a row. With them, Firehose upserts: each record replaces the row with
   * the same key (Firehose deletes by key, then inserts; merge-on-read delete files), and the
   * columns become the table's identifier fields (required: a record without one of them fails
   * to the error output). Keys must be primitive columns other than `FLOAT` and `DOUBLE`.
   *
   * Without them the table is append-only: every record is a new row, and Firehose scales its
   * write throughput automatically.
   *
   * @default - append-only
   */
  readonly uniqueKeys?: string[];

  /**
   * Whether Glue compacts the table's small files (the `compaction` table optimizer, bin-pack
   * strategy): Firehose writes a file per buffer, and compaction rewrites them into files of
   * about 512 MB so that Athena reads few large files.
   *
   * @default true
   */
  readonly compaction?: boolean;

  /**
   * Whether Glue expires old snapshots (the `retention` table optimizer) and deletes the files
   * only they reference. Time travel reaches back as far as the snapshots kept.
   *
   * @default true
   */
  readonly snapshotRetention?: boolean;

  /**
   * How long snapshots are kept, in whole days, with `snapshotRetention`.
   *
   * @default Duration.days(5) (Glue's default)
   */
  readonly snapshotRetentionPeriod?: Duration;

  /**
   * How many snapshots are kept however old they are, with `snapshotRetention`.
   *
   * @default 1 (Glue's default)
   */
  readonly snapshotsToRetain?: number;

  /**
   * Whether Glue deletes files under the table's location that no snapshot references (the
   * `orphan_file_deletion` table optimizer): left by failed writes or by expired snapshots.
   *
   * @default true
   */
  readonly orphanFileDeletion?: boolean;

  /**
   * How old an unreferenced file must be before it is deleted, in whole days, with
   * `orphanFileDeletion`. Longer than any write in progress.
   *
   * @default Duration.days(3) (Glue's default)
   */
  readonly orphanFileRetentionPeriod?: Duration;
}

/**
 * How a table stores its data: Hive-style Parquet (objects under `year=/month=/…` prefixes,
 * partitions in the Glue catalog) or Apache Iceberg (Parquet files tracked by Iceberg
 * metadata, with snapshots, schema evolution and compaction).
 *
 * @example
 * const format = TableFormat.iceberg({ partitionColumn: 'event_time', uniqueKeys: ['event_id'] });
 */
export class TableFormat {
  /**
   * Parquet (SNAPPY) objects under the layout's Hive-style partition prefixes, converted by
   * Firehose against the Glue table; partitions by projection, events or crawler.
   */
  public static readonly HIVE_PARQUET = new TableFormat('HIVE_PARQUET');

  /**
   * An Apache Iceberg table (format version 2, Parquet data files) in the Glue catalog,
   * written by Firehose's Iceberg destination and kept compact by Glue's table optimizers.
   */
  public static iceberg(options: IcebergOptions = {}): TableFormat {
    return new TableFormat('ICEBERG', options);
  }

  /** `HIVE_PARQUET` or `ICEBERG`. */
  public readonly name: string;

  /**
   * The Iceberg settings.
   *
   * @default - none: not Iceberg
   */
  public readonly icebergOptions?: IcebergOptions;

  private constructor(name: string, iceberg?: IcebergOptions) {
    this.name = name;
    this.icebergOptions = iceberg;
  }

  /** Whether this is an Iceberg format. */
  public get isIceberg(): boolean {
    return this.name === 'ICEBERG';
  }
}
