import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AthenaQueryLayer, AthenaQueryLayerOptions } from '../athena-query-layer/athena-query-layer';
import { BatchProducer, BatchTrigger, BatchTriggerSource } from '../batch-trigger/batch-trigger';
import { CatalogDatabase, CatalogOptions, CrawledCatalog } from '../crawled-catalog/crawled-catalog';
import { LakeMonitoring, LakeMonitoringOptions } from '../lake-monitoring/lake-monitoring';
import { DeliveryOptions, NewlineTransformFirehose } from '../newline-transform-firehose/newline-transform-firehose';
import { PartitionedParquetLake, PartitionedParquetLakeProps } from '../partitioned-parquet-lake/partitioned-parquet-lake';
import { throwIfAny } from '../private/errors';
import { QuickSightDataSet, QuickSightDataSetOptions } from '../quicksight-data-set/quicksight-data-set';
import { Column, TableSchema } from '../schema/table-schema';
import { IngestEncryption, StreamIngest, StreamIngestProps } from '../stream-ingest/stream-ingest';

/**
 * The lake's batch trigger: what starts it and which producer feeds the stream.
 */
export interface LakeBatchTriggerOptions {
  /** What starts the producer: a schedule, objects created under a landing prefix, or direct invokes. */
  readonly source: BatchTriggerSource;

  /**
   * Who writes the records into the lake's stream.
   *
   * @default BatchProducer.bundled()
   */
  readonly producer?: BatchProducer;

  /**
   * Let the bundled producer replay this lake's raw backup and error output
   * (`batchTrigger.replayPayload(...)`). Only with the bundled producer.
   *
   * @default true with the bundled producer
   */
  readonly replay?: boolean;
}

/**
 * Props of {@link ServerlessDataLake}.
 */
export interface ServerlessDataLakeProps {
  /**
   * Name of the table, and of its folder in the lake: lowercase letters, digits and
   * underscores; not `raw` or `errors`.
   */
  readonly tableName: string;

  /**
   * The table's columns. With columns the lake is schema-first: the table is declared, records
   * are converted to Parquet (SNAPPY) against it and partitions are projected by Athena.
   * Without, it is schema-on-read: newline-delimited JSON (GZIP) with the bundled newline Lambda,
   * and a crawler creates the table.
   *
   * @default - schema-on-read
   */
  readonly columns?: Column[];

  /**
   * Another lake to share with: its lake bucket and key (which also encrypts this lake's stream
   * and logs), its Glue database (this table is created after it) and its Athena workgroup (this
   * table is added to it). The bundled Lambdas exist once per stack anyway.
   *
   * @default - this lake defines its own bucket, key, database and workgroup
   */
  readonly shareWith?: ServerlessDataLake;

  /**
   * The stream's settings (capacity, retention, encryption, name, removal policy, or a stream
   * of yours).
   *
   * @default - one shard, 168 hours, encrypted with the lake key
   */
  readonly ingest?: StreamIngestProps;

  /**
   * The lake bucket's settings (layout, encryption, versioning, access logs, expirations,
   * removal policy, or a bucket of yours). Not with `shareWith`, whose bucket is used.
   *
   * @default - the `PartitionedParquetLake` defaults, hourly layout
   */
  readonly storage?: PartitionedParquetLakeProps;

  /**
   * The catalog's settings (database, partition discovery, table description, log key).
   *
   * @default - the `CrawledCatalog` defaults; with `shareWith`, its database
   */
  readonly catalog?: CatalogOptions;

  /**
   * The delivery's settings (newline strategy, buffering, raw backup, time zone, processor,
   * log retention, name).
   *
   * @default - the `NewlineTransformFirehose` defaults
   */
  readonly delivery?: DeliveryOptions;

  /**
   * The Athena workgroup's settings. Not with `shareWith`, whose workgroup serves this table.
   *
   * @default - the `AthenaQueryLayer` defaults
   */
  readonly query?: AthenaQueryLayerOptions;

  /**
   * Save the table's queries in the workgroup (latest partition, starter query, rows per
   * partition): three resources per lake.
   *
   * @default true
   */
  readonly savedQueries?: boolean;

  /**
   * Whether to watch the lake: a stage alarm per stage, a composite alarm, a dashboard.
   *
   * @default true
   */
  readonly monitoring?: boolean;

  /**
   * How to watch it (alarm actions, dashboard, thresholds). Only with monitoring on.
   *
   * @default - the `LakeMonitoring` defaults: no alarm actions, a dashboard
   */
  readonly monitoringOptions?: LakeMonitoringOptions;

  /**
   * A QuickSight data set over the table (opt-in; schema-first only). See `QuickSightDataSet`
   * for what must exist before deploying.
   *
   * @default - no QuickSight resources
   */
  readonly quickSight?: QuickSightDataSetOptions;

  /**
   * A batch trigger feeding files, scheduled loads and replays into the lake's stream (opt-in).
   *
   * @default - no batch trigger
   */
  readonly batchTrigger?: LakeBatchTriggerOptions;
}

/**
 * The whole pipeline for one table in one call: a Kinesis stream producers write to, Firehose
 * delivering it into an S3 lake partitioned by the layout (Parquet against a declared table, or
 * JSON lines for a crawler), the Glue catalog, an Athena workgroup with saved queries, alarms
 * and a dashboard, and optionally a QuickSight data set. Every child is a public field; each
 * child's options pass through.
 *
 * @example
 * new ServerlessDataLake(this, 'Clicks', {
 *   tableName: 'clicks',
 *   columns: [
 *     { name: 'event_id', type: ColumnType.STRING },
 *     { name: 'user_id', type: ColumnType.BIGINT },
 *     { name: 'amount', type: ColumnType.decimal(10, 2) },
 *     { name: 'event_time', type: ColumnType.TIMESTAMP },
 *   ],
 * });
 * new ServerlessDataLake(this, 'Raw', { tableName: 'raw_events' });
 */
export class ServerlessDataLake extends Construct {
  /** The stream producers write to. */
  public readonly ingest: StreamIngest;

  /** The lake bucket (this lake's, or the one shared with). */
  public readonly lake: PartitionedParquetLake;

  /** The Glue catalog entries of the table. */
  public readonly catalog: CrawledCatalog;

  /** The Firehose delivery from the stream into the lake. */
  public readonly delivery: NewlineTransformFirehose;

  /** The Athena workgroup serving the table (this lake's, or the one shared with). */
  public readonly queryLayer: AthenaQueryLayer;

  /**
   * The alarms and the dashboard.
   *
   * @default - none with `monitoring: false`
   */
  public readonly monitoring?: LakeMonitoring;

  /**
   * The QuickSight data set.
   *
   * @default - none unless `quickSight` is given
   */
  public readonly quickSight?: QuickSightDataSet;

  /**
   * The batch trigger.
   *
   * @default - none unless `batchTrigger` is given
   */
  public readonly batchTrigger?: BatchTrigger;

  /**
   * The declared schema.
   *
   * @default - none: schema-on-read
   */
  public readonly schema?: TableSchema;

  /** Name of the table. */
  public readonly tableName: string;

  public constructor(scope: Construct, id: string, props: ServerlessDataLakeProps) {
    super(scope, id);
    const shared = props.shareWith;
    const monitoringOn = props.monitoring ?? true;

    const problems: string[] = [];
    if (props.columns !== undefined && props.columns.length === 0) {
      problems.push('columns must name at least one column, got none: give the table\'s columns, or leave columns out for schema-on-read');
    }
    if (shared && props.storage !== undefined) {
      problems.push('storage configures a lake bucket, got it with shareWith, whose bucket this lake uses: remove storage, or remove shareWith');
    }
    if (shared && props.query !== undefined) {
      problems.push('query configures a workgroup, got it with shareWith, whose workgroup serves this table: remove query, or remove shareWith');
    }
    if (!monitoringOn && props.monitoringOptions !== undefined) {
      problems.push('monitoringOptions configures the monitoring, got it with monitoring: false: remove monitoringOptions, or turn monitoring on');
    }
    if (props.quickSight !== undefined && props.columns === undefined) {
      problems.push('quickSight needs columns (QuickSight types its data set from the schema at synth), got none: declare columns, or remove quickSight');
    }
    throwIfAny(this, problems);

    this.tableName = props.tableName;
    this.schema = props.columns ? new TableSchema(props.columns) : undefined;

    this.lake = shared?.lake ?? new PartitionedParquetLake(this, 'Lake', props.storage);
    const lakeKey = this.lake.encryptionKey;
    this.ingest = new StreamIngest(this, 'Ingest', {
      ...props.ingest,
      // One key for the lake, its streams and logs, unless the stream is configured otherwise.
      encryption: props.ingest?.encryption ?? (props.ingest?.stream === undefined && lakeKey ? IngestEncryption.key(lakeKey) : undefined),
    });
    this.catalog = new CrawledCatalog(this, 'Catalog', {
      ...props.catalog,
      bucket: this.lake.bucket,
      layout: this.lake.layout,
      tableName: props.tableName,
      schema: this.schema,
      database: props.catalog?.database ?? (shared ? CatalogDatabase.fromCatalog(shared.catalog) : undefined),
    });
    this.delivery = new NewlineTransformFirehose(this, 'Delivery', {
      ...props.delivery,
      stream: this.ingest.stream,
      bucket: this.lake.bucket,
      layout: this.lake.layout,
      tableName: props.tableName,
      table: this.catalog.table,
    });
    const savedQueries = props.savedQueries ?? true;
    if (shared) {
      shared.queryLayer.addTable(this.catalog, { savedQueries });
      this.queryLayer = shared.queryLayer;
    } else {
      // Results encrypted with the lake key, like everything else of the lake.
      this.queryLayer = new AthenaQueryLayer(this, 'Queries', { ...props.query, encryptionKey: props.query?.encryptionKey ?? lakeKey });
      this.queryLayer.addTable(this.catalog, { savedQueries });
    }
    if (props.batchTrigger) {
      const producer = props.batchTrigger.producer ?? BatchProducer.bundled();
      const bundled = producer._function === undefined;
      const replay = props.batchTrigger.replay ?? bundled;
      this.batchTrigger = new BatchTrigger(this, 'Batch', {
        stream: this.ingest.stream,
        source: props.batchTrigger.source,
        producer,
        replay: replay
          ? { bucket: this.lake.bucket, layout: this.lake.layout, tables: [props.tableName], timeZone: props.delivery?.timeZone }
          : undefined,
      });
    }
    if (monitoringOn) {
      this.monitoring = new LakeMonitoring(this, 'Monitoring', {
        ...props.monitoringOptions,
        lakeName: props.tableName,
        ingest: this.ingest,
        delivery: this.delivery,
        catalog: this.catalog,
        queryLayer: shared ? undefined : this.queryLayer,
        batchTrigger: this.batchTrigger,
      });
    }
    if (props.quickSight) {
      this.quickSight = new QuickSightDataSet(this, 'QuickSight', { ...props.quickSight, queryLayer: this.queryLayer, catalog: this.catalog });
    }
  }

  /** Lets the grantee put records into the lake's stream (and use its key). */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.ingest.grantWrite(grantee);
  }

  /**
   * Lets the grantee query this lake's table in its workgroup: run queries there, read the
   * table's catalog entries and data, read and write query results. Not the other tables of a
   * shared workgroup.
   */
  public grantQuery(grantee: iam.IGrantable): iam.Grant {
    return this.queryLayer.grantQuery(grantee, [this.catalog]);
  }
}
