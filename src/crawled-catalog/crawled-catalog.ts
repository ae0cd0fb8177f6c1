import { Annotations, ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PartitionRegistrarFunction } from './partition-registrar-function';
import { REGISTRAR_METRICS, REGISTRAR_NAMESPACE } from './registrar-metrics';
import { PartitionLayout } from '../layout/partition-layout';
import { acknowledge, acknowledgeWildcardResources } from '../private/acknowledge';
import { acknowledgeNotificationsHandler, sendsToEventBridge } from '../private/bucket-notifications';
import { throwIfAny } from '../private/errors';
import { glueTableArns } from '../private/glue-arns';
import { glueCronProblems } from '../private/glue-cron';
import { icebergTableDefinition, IcebergTableDefinition, markIcebergTable } from '../private/iceberg';
import { encryptedLogGroup } from '../private/log-groups';
import { allowLogsToUseKey } from '../private/logs-key';
import { nameProblem, tableNameProblems } from '../private/names';
import { grantTableRead } from '../private/table-grants';
import { IcebergOptions, TableFormat } from '../schema/table-format';
import { TableSchema } from '../schema/table-schema';

/**
 * The Glue database the table lives in: one this construct defines, or one that exists.
 */
export class CatalogDatabase {
  /**
   * A database is defined.
   *
   * @param databaseName lowercase letters, digits and underscores
   * @default - a name derived from the construct path, unique in the account
   */
  public static define(databaseName?: string): CatalogDatabase {
    return new CatalogDatabase(true, databaseName);
  }

  /** A database that already exists in the account's catalog. */
  public static fromName(databaseName: string): CatalogDatabase {
    return new CatalogDatabase(false, databaseName);
  }

  /**
   * The database of another catalog of this app, e.g. to keep many tables in one database.
   * Unlike `fromName`, the table (and the crawler or registration function) is created after
   * that database when the other catalog defines it.
   */
  public static fromCatalog(catalog: CrawledCatalog): CatalogDatabase {
    return new CatalogDatabase(false, catalog.databaseName, catalog.databaseResource);
  }

  /** @internal */
  public readonly _define: boolean;

  /** @internal */
  public readonly _name?: string;

  /** @internal */
  public readonly _resource?: glue.CfnDatabase;

  private constructor(define: boolean, name?: string, resource?: glue.CfnDatabase) {
    this._define = define;
    this._name = name;
    this._resource = resource;
  }
}

/**
 * What a crawl reads each time it runs.
 *
 * @see https://docs.aws.amazon.com/glue/latest/dg/incremental-crawls.html
 */
export class RecrawlPolicy {
  /**
   * Only folders added since the last crawl (`CRAWL_NEW_FOLDERS_ONLY`): fast and cheap for an
   * append-only lake. Glue then requires the schema-change policy LOG/LOG, so a table the
   * crawler created keeps its first schema.
   */
  public static readonly NEW_FOLDERS_ONLY = new RecrawlPolicy('CRAWL_NEW_FOLDERS_ONLY');

  /** Every folder on every run (`CRAWL_EVERYTHING`): slow and costly on a large lake, but sees changed schemas. */
  public static readonly EVERYTHING = new RecrawlPolicy('CRAWL_EVERYTHING');

  /**
   * Only objects S3 reported as created (`CRAWL_EVENT_MODE`): S3 sends object-created events
   * for the table's prefix to an encrypted SQS queue (with a dead-letter queue) that the crawler
   * consumes, so each crawl touches just the new objects.
   */
  public static readonly S3_EVENTS = new RecrawlPolicy('CRAWL_EVENT_MODE');

  /** The Glue recrawl behaviour. */
  public readonly recrawlBehavior: string;

  private constructor(recrawlBehavior: string) {
    this.recrawlBehavior = recrawlBehavior;
  }
}

/**
 * What a crawler does when the data's schema differs from the table's in the catalog
 * (`SchemaChangePolicy.UpdateBehavior`).
 *
 * @see https://docs.aws.amazon.com/glue/latest/dg/crawler-schema-changes-prevent.html
 */
export class SchemaUpdateBehavior {
  /** Log the change and leave the table as it is (`LOG`). */
  public static readonly LOG = new SchemaUpdateBehavior('LOG');

  /**
   * Update the table's definition in the catalog from the data (`UPDATE_IN_DATABASE`): new
   * columns appear, changed types change. Only for a table the crawler owns (no `schema`).
   */
  public static readonly UPDATE_IN_DATABASE = new SchemaUpdateBehavior('UPDATE_IN_DATABASE');

  /** The Glue value. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/**
 * What a crawler does when a table's or partition's objects are gone
 * (`SchemaChangePolicy.DeleteBehavior`).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-glue-crawler-schemachangepolicy.html
 */
export class SchemaDeleteBehavior {
  /** Log that the table or partition no longer exists, change nothing (`LOG`). */
  public static readonly LOG = new SchemaDeleteBehavior('LOG');

  /** Mark a table whose data is gone as deprecated, with a timestamp, and keep it (`DEPRECATE_IN_DATABASE`). */
  public static readonly DEPRECATE_IN_DATABASE = new SchemaDeleteBehavior('DEPRECATE_IN_DATABASE');

  /**
   * Delete tables and partitions whose data is gone from the catalog (`DELETE_FROM_DATABASE`):
   * e.g. partitions an S3 lifecycle rule expired. Only for a table the crawler owns.
   */
  public static readonly DELETE_FROM_DATABASE = new SchemaDeleteBehavior('DELETE_FROM_DATABASE');

  /** The Glue value. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/**
 * Options of crawler-based partition discovery.
 */
export interface CrawlerDiscoveryOptions {
  /**
   * When the crawler runs: a Glue cron expression (6 fields, UTC, at most every 5 minutes).
   *
   * @default - the layout's schedule: 20 minutes past each hour, day or month, once Firehose's longest buffer has flushed
   */
  readonly schedule?: string;

  /**
   * What each crawl reads.
   *
   * @default RecrawlPolicy.NEW_FOLDERS_ONLY
   */
  readonly recrawlPolicy?: RecrawlPolicy;

  /**
   * What the crawler does when the data's schema differs from the table's (schema evolution).
   *
   * Must be `LOG` with a declared `schema` (the crawler must not rewrite a table CloudFormation
   * owns) and with `RecrawlPolicy.NEW_FOLDERS_ONLY` (Glue forces LOG/LOG on incremental crawls).
   *
   * @default - `SchemaUpdateBehavior.LOG` with a `schema` or `RecrawlPolicy.NEW_FOLDERS_ONLY`; otherwise `SchemaUpdateBehavior.UPDATE_IN_DATABASE` (the crawler owns the table it created)
   */
  readonly schemaUpdateBehavior?: SchemaUpdateBehavior;

  /**
   * What the crawler does when a table's or partition's objects are gone.
   *
   * Must be `LOG` with a declared `schema` (the crawler must not deprecate or delete a table
   * CloudFormation owns) and with `RecrawlPolicy.NEW_FOLDERS_ONLY` (Glue forces LOG/LOG on
   * incremental crawls).
   *
   * @default SchemaDeleteBehavior.LOG
   */
  readonly schemaDeleteBehavior?: SchemaDeleteBehavior;
}

/**
 * How new partitions become queryable.
 *
 * | Choice | New data queryable | Cost | Use when |
 * | --- | --- | --- | --- |
 * | `projection()` | at once | none | a schema is declared (the default then) |
 * | `eventDriven()` | seconds after each object | one Lambda call per object | other engines than Athena read the catalog's partitions |
 * | `crawler()` | after the next crawl | crawler DPU-hours | the schema is inferred (the default, and only choice, without a schema) |
 * | `icebergMetadata()` | at each Firehose commit | none | the table is Iceberg (the default, and only choice, then) |
 */
export class PartitionDiscovery {
  /**
   * A Glue crawler on a schedule adds partitions (the article's way). Without a schema it also
   * creates the table from the newline-delimited JSON it finds.
   */
  public static crawler(options: CrawlerDiscoveryOptions = {}): PartitionDiscovery {
    return new PartitionDiscovery('CRAWLER', options);
  }

  /**
   * Athena partition projection: partitions are computed from the layout at query time, so an
   * hour is queryable as soon as Firehose writes it, with no crawler and no partition metadata
   * to maintain. Other engines than Athena (e.g. Redshift Spectrum, EMR) do not see projected
   * partitions. Needs a schema.
   *
   * @see https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
   */
  public static projection(): PartitionDiscovery {
    return new PartitionDiscovery('PROJECTION', {});
  }

  /**
   * Event-driven registration: the lake bucket's object-created events (through EventBridge)
   * invoke a bundled Lambda that parses each key against the layout and registers its
   * partition with `BatchCreatePartition` (idempotent). Failures are retried, then kept in a
   * dead-letter queue. Needs a schema, and EventBridge notifications on the bucket.
   */
  public static eventDriven(): PartitionDiscovery {
    return new PartitionDiscovery('EVENTS', {});
  }

  /**
   * Nothing registers partitions: an Iceberg table (`TableFormat.iceberg()`) tracks its files and
   * partitions in its own metadata, which every engine reads through the catalog. The default,
   * and only choice, for Iceberg tables.
   */
  public static icebergMetadata(): PartitionDiscovery {
    return new PartitionDiscovery('ICEBERG', {});
  }

  /** @internal */
  public readonly _kind: 'CRAWLER' | 'PROJECTION' | 'EVENTS' | 'ICEBERG';

  /** @internal */
  public readonly _crawler: CrawlerDiscoveryOptions;

  private constructor(kind: 'CRAWLER' | 'PROJECTION' | 'EVENTS' | 'ICEBERG', crawler: CrawlerDiscoveryOptions) {
    this._kind = kind;
    this._crawler = crawler;
  }
}

/**
 * Properties of a `CrawledCatalog`.
 */
export interface CrawledCatalogProps extends CatalogOptions {
  /** The lake bucket the table's objects are in (e.g. `PartitionedParquetLake.bucket`). */
  readonly bucket: s3.IBucket;

  /** The partition layout the objects are written with (e.g. `PartitionedParquetLake.layout`). */
  readonly layout: PartitionLayout;

  /**
   * Name of the table, and of its folder in the lake: lowercase letters, digits and
   * underscores; not `raw` or `errors`.
   */
  readonly tableName: string;

  /**
   * The table's columns. With a schema the table is declared here (schema-first: Firehose can
   * convert to Parquet against it); without one the crawler creates it from the JSON lines it
   * finds (schema-on-read).
   *
   * @default - schema-on-read: the crawler infers the table
   */
  readonly schema?: TableSchema;
}

/**
 * How a `CrawledCatalog` keeps its table: everything but the bucket, the layout, the table name
 * and the schema (also what `ServerlessDataLake` passes through to it).
 */
export interface CatalogOptions {
  /**
   * Description of the table.
   *
   * @default - no description
   */
  readonly tableDescription?: string;

  /**
   * The Glue database the table lives in.
   *
   * @default CatalogDatabase.define() - a database named after the construct path
   */
  readonly database?: CatalogDatabase;

  /**
   * How the table stores its data: Hive-style Parquet, or Apache Iceberg (needs a schema). See
   * the README's "Hive-style Parquet or Iceberg".
   *
   * @default TableFormat.HIVE_PARQUET
   */
  readonly tableFormat?: TableFormat;

  /**
   * How new partitions become queryable.
   *
   * @default - `PartitionDiscovery.projection()` with a schema, `PartitionDiscovery.crawler()`
   * without, `PartitionDiscovery.icebergMetadata()` for Iceberg
   */
  readonly partitionDiscovery?: PartitionDiscovery;

  /**
   * The KMS key that encrypts the logs of what keeps the partitions: with crawler discovery, the
   * crawler's CloudWatch logs and Glue's S3 writes (through a Glue security configuration); with
   * event-driven registration, the registration function's log group. A statement letting
   * CloudWatch Logs use it is added to its key policy when the key is defined in this app. Not
   * with partition projection or Iceberg, which run neither.
   *
   * @default - the lake bucket's key when it has one, else a key is defined
   */
  readonly encryptionKey?: kms.IKey;
}

// Parquet written by Firehose, read by Athena through the Hive Parquet SerDe.
// https://docs.aws.amazon.com/athena/latest/ug/parquet-serde.html
const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

// Where Glue crawlers write their CloudWatch logs.
const CRAWLER_LOG_GROUP_PREFIX = '/aws-glue/crawlers';

/**
 * The Glue Data Catalog side of the lake: a database, the table (declared from a schema, or
 * inferred by a crawler) and the machinery that keeps its partitions queryable.
 *
 * Defines:
 * - a Glue database (`databaseName`), unless you name an existing one
 * - schema-first: the Parquet table (`table`), with partition projection parameters when chosen
 * - crawler discovery: a crawler (`crawler`) with a least-privilege role and a Glue security
 *   configuration encrypting its logs with KMS; with S3-event recrawls an encrypted SQS queue
 *   and its dead-letter queue
 * - event-driven discovery: the registration Lambda, its EventBridge rule, log group and
 *   dead-letter queue
 *
 * @example
 * const lake = new PartitionedParquetLake(this, 'Lake');
 * const catalog = new CrawledCatalog(this, 'Catalog', {
 *   bucket: lake.bucket,
 *   layout: lake.layout,
 *   tableName: 'clicks',
 *   schema: new TableSchema([
 *     { name: 'user_id', type: ColumnType.STRING },
 *     { name: 'clicked_at', type: ColumnType.TIMESTAMP },
 *   ]),
 * });
 * declare const analyst: iam.IRole;
 * catalog.grantRead(analyst);
 */
export class CrawledCatalog extends Construct {
  /** Name of the Glue database. */
  public readonly databaseName: string;

  /**
   * The database this construct defines.
   *
   * @default - none when the database is named with `CatalogDatabase.fromName` or `fromCatalog`
   */
  public readonly databaseResource?: glue.CfnDatabase;

  /** Name of the table. */
  public readonly tableName: string;

  /** How the table stores its data. */
  public readonly tableFormat: TableFormat;

  /**
   * The Glue table optimizers of an Iceberg table (compaction, snapshot retention, orphan file
   * deletion: those turned on).
   */
  public readonly tableOptimizers: glue.CfnTableOptimizer[] = [];

  /**
   * The role the Glue table optimizers run as.
   *
   * @default - none unless an Iceberg table has an optimizer turned on
   */
  public readonly optimizerRole?: iam.IRole;

  /**
   * The table's partition key columns in the catalog: the layout's keys for a Hive-style table,
   * none for an Iceberg table (it partitions by a column of its data, in its own metadata).
   */
  public readonly partitionKeys: string[];

  /** The lake bucket the table's objects are in. */
  public readonly bucket: s3.IBucket;

  /** The partition layout of the table. */
  public readonly layout: PartitionLayout;

  /**
   * The declared table, for Firehose's Parquet conversion (`SchemaConfiguration.fromCfnTable`).
   *
   * @default - none in schema-on-read mode: the crawler creates the table
   */
  public readonly table?: glue.CfnTable;

  /**
   * The declared schema.
   *
   * @default - none in schema-on-read mode
   */
  public readonly schema?: TableSchema;

  /**
   * The crawler.
   *
   * @default - none unless partitions are discovered by a crawler
   */
  public readonly crawler?: glue.CfnCrawler;

  /**
   * The crawler's role.
   *
   * @default - none unless partitions are discovered by a crawler
   */
  public readonly crawlerRole?: iam.IRole;

  /**
   * The queue S3 sends object-created events to for the crawler.
   *
   * @default - none unless the recrawl policy is `RecrawlPolicy.S3_EVENTS`
   */
  public readonly eventQueue?: sqs.IQueue;

  /**
   * Where events that could not be processed end up: the crawler's event dead-letter queue, or
   * the registration Lambda's failed invocations.
   *
   * @default - none unless the discovery uses events
   */
  public readonly deadLetterQueue?: sqs.IQueue;

  /**
   * The partition registration Lambda.
   *
   * @default - none unless partitions are registered from events
   */
  public readonly registrationFunction?: lambda.IFunction;

  /**
   * The key that encrypts the crawler's logs, or the registration function's.
   *
   * @default - none with partition projection
   */
  public readonly encryptionKey?: kms.IKey;

  /** The chosen partition discovery. */
  public readonly partitionDiscovery: PartitionDiscovery;

  public constructor(scope: Construct, id: string, props: CrawledCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const schemaFirst = props.schema !== undefined;
    const format = props.tableFormat ?? TableFormat.HIVE_PARQUET;
    const iceberg = format.isIceberg;
    const partitionKeys = iceberg ? [] : props.layout.partitionKeys;
    const discovery =
      props.partitionDiscovery ??
      (iceberg ? PartitionDiscovery.icebergMetadata() : schemaFirst ? PartitionDiscovery.projection() : PartitionDiscovery.crawler());
    const database = props.database ?? CatalogDatabase.define();
    const databaseName = database._name ?? Names.uniqueResourceName(this, { maxLength: 200, separator: '_' }).toLowerCase().replace(/[^a-z0-9_]/g, '_');

    const problems: string[] = [...tableNameProblems(props.tableName)];
    if (!Token.isUnresolved(databaseName)) {
      const p = nameProblem('database name', databaseName);
      if (p) problems.push(p);
    }
    if (props.schema) problems.push(...props.schema.validate(partitionKeys));
    let icebergDefinition: IcebergTableDefinition | undefined;
    if (iceberg) {
      if (!schemaFirst) {
        problems.push('tableFormat TableFormat.iceberg() needs a schema, got none: declare schema (Iceberg tables are declared, not crawled), or use TableFormat.HIVE_PARQUET for schema-on-read');
      } else {
        const built = icebergTableDefinition(props.schema!, props.layout, format.icebergOptions ?? {});
        problems.push(...built.problems);
        icebergDefinition = built.definition;
      }
      if (discovery._kind !== 'ICEBERG') {
        problems.push(
          `partitionDiscovery ${discoveryName(discovery)} registers Hive-style partitions, got it with TableFormat.iceberg(), whose table tracks its own files: remove partitionDiscovery (PartitionDiscovery.icebergMetadata() is the default)`,
        );
      }
    } else if (discovery._kind === 'ICEBERG') {
      problems.push(
        'partitionDiscovery PartitionDiscovery.icebergMetadata() is for Iceberg tables, got it with TableFormat.HIVE_PARQUET: Athena would never see a partition; choose projection(), eventDriven() or crawler(), or use TableFormat.iceberg()',
      );
    }
    if (!schemaFirst && !iceberg && discovery._kind !== 'CRAWLER') {
      const choice = discoveryName(discovery);
      problems.push(
        `partitionDiscovery ${choice} needs a schema, got none: declare schema (schema-first), or use PartitionDiscovery.crawler() so the crawler creates the table from the data`,
      );
    }
    if (props.encryptionKey !== undefined && (discovery._kind === 'PROJECTION' || discovery._kind === 'ICEBERG')) {
      problems.push(
        `encryptionKey encrypts the logs of the crawler or the registration function, got it with ${discoveryName(discovery)}, which runs neither: remove encryptionKey${iceberg ? '' : ', or choose PartitionDiscovery.crawler() or PartitionDiscovery.eventDriven()'}`,
      );
    }
    if (discovery._kind === 'CRAWLER' && discovery._crawler.schedule !== undefined && !Token.isUnresolved(discovery._crawler.schedule)) {
      problems.push(...glueCronProblems('partitionDiscovery schedule', discovery._crawler.schedule));
    }
    if (discovery._kind === 'CRAWLER') problems.push(...schemaChangeProblems(discovery._crawler, schemaFirst));
    if (!schemaFirst && props.tableDescription !== undefined) {
      problems.push(
        'tableDescription describes the table this construct declares, got it without schema, where the crawler creates the table and its description is never set: remove tableDescription, or declare schema so this construct owns the table',
      );
    }
    throwIfAny(this, problems);

    this.databaseName = databaseName;
    this.tableName = props.tableName;
    this.bucket = props.bucket;
    this.layout = props.layout;
    this.schema = props.schema;
    this.partitionDiscovery = discovery;
    this.tableFormat = format;
    this.partitionKeys = partitionKeys;

    // The database this table must come after: the one defined here, or another catalog's.
    let cfnDatabase: glue.CfnDatabase | undefined = database._resource;
    if (database._define) {
      cfnDatabase = new glue.CfnDatabase(this, 'Database', {
        catalogId: stack.account,
        databaseInput: { name: databaseName, description: `Data lake database (${this.node.path})` },
      });
      this.databaseResource = cfnDatabase;
    }

    if (icebergDefinition) {
      const table = this.defineIcebergTable(databaseName, icebergDefinition, props.tableDescription);
      if (cfnDatabase) table.node.addDependency(cfnDatabase);
      this.table = table;
      const optimized = this.defineOptimizers(table, databaseName, format.icebergOptions ?? {});
      this.optimizerRole = optimized.role;
      this.tableOptimizers.push(...optimized.optimizers);
    } else if (props.schema) {
      const table = new glue.CfnTable(this, 'Table', {
        catalogId: stack.account,
        databaseName,
        tableInput: {
          name: props.tableName,
          description: props.tableDescription,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            'classification': 'parquet',
            'parquet.compression': 'SNAPPY',
            'EXTERNAL': 'TRUE',
            ...(discovery._kind === 'PROJECTION' ? props.layout.projectionParameters(props.bucket.bucketName, props.tableName) : {}),
          },
          partitionKeys: partitionKeys.map((name) => ({ name, type: 'string' })),
          storageDescriptor: {
            columns: props.schema.columns.map((c) => ({ name: c.name, type: c.type.inputString, comment: c.comment })),
            location: this.tableLocation(),
            inputFormat: PARQUET_INPUT_FORMAT,
            outputFormat: PARQUET_OUTPUT_FORMAT,
            serdeInfo: { serializationLibrary: PARQUET_SERDE, parameters: { 'serialization.format': '1' } },
            compressed: false,
            storedAsSubDirectories: false,
          },
        },
      });
      if (cfnDatabase) table.node.addDependency(cfnDatabase);
      this.table = table;
    }

    if (discovery._kind === 'CRAWLER') {
      const crawled = this.defineCrawler(discovery._crawler, schemaFirst, databaseName, props.encryptionKey);
      if (cfnDatabase) crawled.crawler.node.addDependency(cfnDatabase);
      if (this.table) crawled.crawler.node.addDependency(this.table);
      this.crawler = crawled.crawler;
      this.crawlerRole = crawled.role;
      this.encryptionKey = crawled.key;
      this.eventQueue = crawled.queue;
      this.deadLetterQueue = crawled.dlq;
    } else if (discovery._kind === 'EVENTS') {
      const registered = this.defineRegistration(databaseName, props.encryptionKey);
      if (cfnDatabase) registered.fn.node.addDependency(cfnDatabase);
      if (this.table) registered.fn.node.addDependency(this.table);
      this.registrationFunction = registered.fn;
      this.deadLetterQueue = registered.dlq;
      this.encryptionKey = registered.key;
    }
  }

  /** The table's location: `s3://<bucket>/<table>` for Iceberg (Iceberg adds `/data` and `/metadata`), else `s3://<bucket>/<table>/`. */
  public tableLocation(): string {
    return this.tableFormat.isIceberg
      ? this.layout.icebergTableLocation(this.bucket.bucketName, this.tableName)
      : this.layout.tableLocation(this.bucket.bucketName, this.tableName);
  }

  /**
   * The Iceberg table, created by Glue from the declared schema (CloudFormation's
   * `IcebergTableInput`: Glue writes the first metadata file under the table location).
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-glue-table-icebergtableinput.html
   */
  private defineIcebergTable(databaseName: string, definition: IcebergTableDefinition, description?: string): glue.CfnTable {
    const stack = Stack.of(this);
    // Written as CloudFormation properties, not CfnTable props: CfnTable gained `name` and
    // `icebergTableInput` after the oldest aws-cdk-lib of the peer range, which would drop them.
    const table = new glue.CfnTable(this, 'Table', { catalogId: stack.account, databaseName, tableInput: {} });
    table.addDeletionOverride('Properties.TableInput');
    table.addPropertyOverride('Name', this.tableName);
    table.addPropertyOverride('OpenTableFormatInput', {
      IcebergInput: {
        MetadataOperation: 'CREATE',
        // Firehose writes only to format version 2 tables.
        Version: '2',
        IcebergTableInput: {
          Location: this.tableLocation(),
          Schema: {
            Type: 'struct',
            SchemaId: 0,
            Fields: definition.fields.map((f) => ({ Id: f.id, Name: f.name, Type: f.type, Required: f.required, Doc: f.doc })),
            IdentifierFieldIds: definition.identifierFieldIds.length > 0 ? definition.identifierFieldIds : undefined,
          },
          PartitionSpec:
            definition.partitionFields.length > 0
              ? {
                SpecId: 0,
                Fields: definition.partitionFields.map((f) => ({ SourceId: f.sourceId, FieldId: f.fieldId, Name: f.name, Transform: f.transform })),
              }
              : undefined,
          Properties: {
            // Firehose and the optimizers commit concurrently; Iceberg retries a commit that lost the race.
            'commit.retry.num-retries': '10',
            ...(description !== undefined ? { comment: description } : {}),
          },
        },
      },
    });
    markIcebergTable(table, definition.identifierFieldIds.map((id) => definition.fields.find((f) => f.id === id)!.name));
    return table;
  }

  /**
   * The Glue table optimizers of an Iceberg table and their role: read, write and delete only
   * under the table's location, read and update only this table in the catalog, write only the
   * optimizers' log groups.
   *
   * @see https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html
   */
  private defineOptimizers(table: glue.CfnTable, databaseName: string, options: IcebergOptions) {
    const stack = Stack.of(this);
    const kinds: Array<{ type: string; logGroup: string; config: Partial<glue.CfnTableOptimizer.TableOptimizerConfigurationProperty> }> = [];
    if (options.compaction ?? true) {
      kinds.push({ type: 'compaction', logGroup: '/aws-glue/iceberg-compaction/logs', config: {} });
    }
    if (options.snapshotRetention ?? true) {
      kinds.push({
        type: 'retention',
        logGroup: '/aws-glue/iceberg-retention/logs',
        config: {
          retentionConfiguration: {
            icebergConfiguration: {
              snapshotRetentionPeriodInDays: (options.snapshotRetentionPeriod ?? Duration.days(5)).toDays(),
              numberOfSnapshotsToRetain: options.snapshotsToRetain ?? 1,
              // Delete the data files only expired snapshots referenced (Glue's default keeps them).
              cleanExpiredFiles: true,
            },
          },
        },
      });
    }
    if (options.orphanFileDeletion ?? true) {
      kinds.push({
        type: 'orphan_file_deletion',
        logGroup: '/aws-glue/iceberg-orphan-file-deletion/logs',
        config: {
          orphanFileDeletionConfiguration: {
            icebergConfiguration: {
              orphanFileRetentionPeriodInDays: (options.orphanFileRetentionPeriod ?? Duration.days(3)).toDays(),
              location: this.tableLocation(),
            },
          },
        },
      });
    }
    if (kinds.length === 0) return { role: undefined, optimizers: [] };

    const role = new iam.Role(this, 'OptimizerRole', {
      // The trust policy Glue documents for optimizer roles: Glue does not document passing
      // aws:SourceAccount when it assumes them, and a condition it does not meet would stop every run.
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Glue table optimizers of ${databaseName}.${this.tableName} (${this.node.path}): this table's files and catalog entry only`,
    });
    const root = this.layout.tableRoot(this.tableName);
    const objects = this.bucket.arnForObjects(`${root}*`);
    const writes = kinds.some((k) => k.type !== 'orphan_file_deletion');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: writes ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject', 's3:DeleteObject'], resources: [objects] }),
    );
    role.addToPrincipalPolicy(
      // The table location has no trailing slash (Iceberg appends `/data` and `/metadata`), so a
      // listing of it may name the bare prefix: that reveals key names of look-alike tables, not data.
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [root.replace(/\/$/, ''), root, `${root}*`] } },
      }),
    );
    const { catalogArn, databaseArn, tableArn } = glueTableArns(this, databaseName, this.tableName);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: writes ? ['glue:GetTable', 'glue:UpdateTable'] : ['glue:GetTable'], resources: [catalogArn, databaseArn, tableArn] }),
    );
    const logGroups = kinds.map((k) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${k.logGroup}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: logGroups }));
    if (this.bucket.encryptionKey) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.bucket.encryptionKey.keyArn] }));
    }
    acknowledgeWildcardResources(role, [objects, ...logGroups], `The optimizers rewrite and delete files under the ${this.tableName} table's own location only, and log to Glue's fixed optimizer log groups`);

    const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    const optimizers = kinds.map((k) => {
      const optimizer = new glue.CfnTableOptimizer(this, `Optimizer${k.type.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`, {
        catalogId: stack.account,
        databaseName,
        tableName: this.tableName,
        type: k.type,
        tableOptimizerConfiguration: { roleArn: role.roleArn, enabled: true, ...k.config },
      });
      if (k.type === 'compaction') {
        // A CloudFormation property, not a CfnTableOptimizer prop: the oldest aws-cdk-lib of the
        // peer range has no compaction configuration and would drop it.
        optimizer.addPropertyOverride('TableOptimizerConfiguration.CompactionConfiguration', { IcebergConfiguration: { Strategy: 'binpack' } });
      }
      // Glue checks the table and the role when the optimizer is created.
      optimizer.node.addDependency(table);
      if (policy) optimizer.node.addDependency(policy);
      return optimizer;
    });
    return { role, optimizers };
  }

  /** ARN of the Glue catalog of this account and region. */
  public get catalogArn(): string {
    return glueTableArns(this, this.databaseName, this.tableName).catalogArn;
  }

  /** ARN of the Glue database. */
  public get databaseArn(): string {
    return glueTableArns(this, this.databaseName, this.tableName).databaseArn;
  }

  /** ARN of the Glue table. */
  public get tableArn(): string {
    return glueTableArns(this, this.databaseName, this.tableName).tableArn;
  }

  /**
   * Lets the grantee query the table: read its catalog entries (catalog, database, table, and
   * for Hive-style tables its partitions), list and get the table's objects under `<table>/` only, and decrypt them.
   * Grants no write anywhere.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const catalog = iam.Grant.addToPrincipal({
      grantee,
      // An Iceberg table keeps its partitions in its own metadata, read from S3.
      actions: this.tableFormat.isIceberg
        ? ['glue:GetDatabase', 'glue:GetTable']
        : ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resourceArns: [this.catalogArn, this.databaseArn, this.tableArn],
    });
    return catalog.combine(grantTableRead(this.bucket, this.layout, this.tableName, grantee));
  }

  /**
   * Partitions the event-driven registration created in the catalog (sum over the period).
   *
   * Published by the registration function (embedded metric format, namespace
   * `cdk-serverless-data-lake/PartitionRegistration`, dimensions `Database` and `Table`); only
   * with `PartitionDiscovery.eventDriven()`.
   *
   * @default - sum over 5 minutes
   */
  public metricPartitionsRegistered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registrarMetric('metricPartitionsRegistered', REGISTRAR_METRICS.partitionsRegistered, props);
  }

  /**
   * Objects under the table's data prefix whose keys do not parse against the layout (sum over
   * the period). Each fails its invocation, which is retried and then dead-lettered: any value
   * above zero means a writer and the layout disagree. Only with `PartitionDiscovery.eventDriven()`.
   *
   * @default - sum over 5 minutes
   */
  public metricUnparsableObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registrarMetric('metricUnparsableObjects', REGISTRAR_METRICS.unparsableObjects, props);
  }

  /**
   * Partitions Glue did not create, other than those that already existed (sum over the
   * period). Each fails its invocation, which is retried and then dead-lettered. Only with
   * `PartitionDiscovery.eventDriven()`.
   *
   * @default - sum over 5 minutes
   */
  public metricRegistrationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registrarMetric('metricRegistrationFailures', REGISTRAR_METRICS.registrationFailures, props);
  }

  /**
   * Objects the registration skipped as not data of the table: another bucket or prefix, a folder
   * key or a folder marker (sum over the period). Only with `PartitionDiscovery.eventDriven()`.
   *
   * @default - sum over 5 minutes
   */
  public metricIgnoredObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registrarMetric('metricIgnoredObjects', REGISTRAR_METRICS.ignoredObjects, props);
  }

  private registrarMetric(method: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.registrationFunction === undefined) {
      throwIfAny(this, [
        `${method}() needs partitionDiscovery PartitionDiscovery.eventDriven(), got ${this.partitionDiscovery._kind === 'CRAWLER' ? 'PartitionDiscovery.crawler()' : 'PartitionDiscovery.projection()'}, which registers no partitions by event: use the crawler's or Athena's own metrics, or choose eventDriven()`,
      ]);
    }
    return new cloudwatch.Metric({
      namespace: REGISTRAR_NAMESPACE,
      metricName,
      dimensionsMap: { Database: this.databaseName, Table: this.tableName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  private defineCrawler(options: CrawlerDiscoveryOptions, schemaFirst: boolean, databaseName: string, givenKey?: kms.IKey) {
    const stack = Stack.of(this);
    const recrawl = options.recrawlPolicy ?? RecrawlPolicy.NEW_FOLDERS_ONLY;
    const key = givenKey ?? this.bucket.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the Glue crawler logs of ${this.node.path}`,
      enableKeyRotation: true,
    });
    const crawlerLogGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${CRAWLER_LOG_GROUP_PREFIX}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // CloudWatch Logs encrypts the crawler's log group with the key, limited to the Glue
    // crawler log groups of this account.
    allowLogsToUseKey(this, key, crawlerLogGroups, 'AllowCloudWatchLogsForGlueCrawlers', 'cdk-serverless-data-lake:CrawledCatalog.keyPolicy');

    const securityConfiguration = new glue.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: Names.uniqueResourceName(this, { maxLength: 128 }),
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: key.keyArn }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: key.keyArn },
      },
    });

    const role = new iam.Role(this, 'CrawlerRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Glue crawler of ${this.node.path}: reads one table's objects, updates its catalog entries`,
    });
    const catalogActions = [
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:UpdateTable',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:BatchGetPartition',
      'glue:CreatePartition',
      'glue:BatchCreatePartition',
      'glue:UpdatePartition',
      'glue:BatchUpdatePartition',
    ];
    if (!schemaFirst) catalogActions.push('glue:CreateTable');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: catalogActions, resources: [this.catalogArn, this.databaseArn, this.tableArn] }),
    );
    grantTableRead(this.bucket, this.layout, this.tableName, role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: [crawlerLogGroups, `${crawlerLogGroups}:log-stream:*`],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [crawlerLogGroups, `${crawlerLogGroups}:log-stream:*`],
      `Glue names each crawler log group ${CRAWLER_LOG_GROUP_PREFIX}-role/<role>-<security configuration> at run time, and its streams after the crawler: the permissions cover only the ${CRAWLER_LOG_GROUP_PREFIX}* groups of this account and region`,
    );

    let queue: sqs.Queue | undefined;
    let dlq: sqs.Queue | undefined;
    if (recrawl === RecrawlPolicy.S3_EVENTS) {
      dlq = new sqs.Queue(this, 'EventDeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      queue = new sqs.Queue(this, 'EventQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
      });
      // aws-cdk-lib's notification custom resource owns the bucket's notification
      // configuration; EventBridge delivery, when the lake has it, is in the same resource, so
      // adding or removing this queue leaves it in place (private/bucket-notifications.ts).
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), {
        prefix: this.layout.tableRoot(this.tableName),
      });
      acknowledgeNotificationsHandler(this);
      for (const q of [queue, dlq]) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SetQueueAttributes', 'sqs:PurgeQueue'],
            resources: [q.queueArn],
          }),
        );
      }
    }

    const tableLocation = this.tableLocation();
    // A crawler over a table this construct owns must not rewrite it: LOG/LOG (validated), and
    // partitions inherit the table's SerDe and formats. Without a schema the crawler owns the
    // table and may evolve it, except that Glue allows only LOG/LOG with CRAWL_NEW_FOLDERS_ONLY.
    // https://docs.aws.amazon.com/glue/latest/dg/incremental-crawls.html
    const { update, remove } = schemaChangePolicy(options, schemaFirst);
    const crawler = new glue.CfnCrawler(this, 'Crawler', {
      description: `Discovers partitions of ${databaseName}.${this.tableName} (${this.node.path})`,
      role: role.roleArn,
      databaseName,
      targets: {
        s3Targets: [
          {
            path: tableLocation,
            eventQueueArn: queue?.queueArn,
            dlqEventQueueArn: dlq?.queueArn,
          },
        ],
      },
      schedule: { scheduleExpression: options.schedule ?? this.layout.crawlerSchedule() },
      recrawlPolicy: { recrawlBehavior: recrawl.recrawlBehavior },
      schemaChangePolicy: { updateBehavior: update.value, deleteBehavior: remove.value },
      configuration: JSON.stringify({
        Version: 1.0,
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
        Grouping: schemaFirst
          ? { TableLevelConfiguration: 2 }
          : { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 },
      }),
      crawlerSecurityConfiguration: securityConfiguration.ref,
    });
    // The crawler must not start before its permissions exist: depend on the role's policy (the
    // role itself is already a dependency through Role).
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) crawler.node.addDependency(policy);
    return { crawler, role, key, queue, dlq };
  }

  private defineRegistration(databaseName: string, givenKey?: kms.IKey) {
    const stack = Stack.of(this);
    const key = givenKey ?? this.bucket.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the partition registration logs of ${this.node.path}`,
      enableKeyRotation: true,
    });
    const dlq = new sqs.Queue(this, 'RegistrationDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(dlq, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the partition registration: it keeps the events that failed every retry');

    // Encrypted, retained, and named anew with each creation of the stack (private/log-groups.ts).
    const { logGroup } = encryptedLogGroup(this, 'RegistrationLogs', {
      prefix: '/aws/lambda/',
      name: `${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}-registrar`,
      key,
      retention: logs.RetentionDays.ONE_YEAR,
      sid: `AllowLogs${Names.uniqueId(this)}Registrar`.slice(0, 100),
      warningId: 'cdk-serverless-data-lake:CrawledCatalog.keyPolicy',
    });
    const role = new iam.Role(this, 'RegistrationRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Partition registration of ${this.node.path}: registers partitions of one table`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:BatchCreatePartition'],
        resources: [this.catalogArn, this.databaseArn, this.tableArn],
      }),
    );

    const fn = new PartitionRegistrarFunction(this, 'RegistrationFunction', {
      description: `Registers new partitions of ${databaseName}.${this.tableName} as Firehose writes them`,
      role,
      logGroup,
      timeout: Duration.minutes(1),
      memorySize: 256,
      environment: {
        DATABASE_NAME: databaseName,
        TABLE_NAME: this.tableName,
        BUCKET_NAME: this.bucket.bucketName,
        DATA_PREFIX: this.layout.tableRoot(this.tableName),
        PARTITION_KEYS: this.layout.partitionKeys.join(','),
        CATALOG_ID: stack.account,
      },
      retryAttempts: 2,
      onFailure: new lambdaDestinations.SqsDestination(dlq),
    });
    // The Lambda's DLQ permission is granted on the role by the destination.

    new events.Rule(this, 'ObjectCreated', {
      description: `New objects of ${databaseName}.${this.tableName} in the lake`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.bucket.bucketName] },
          object: { key: [{ prefix: this.layout.tableRoot(this.tableName) }] },
        },
      },
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: dlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // Event-driven registration needs the bucket to send its events to EventBridge.
    const sends = sendsToEventBridge(this.bucket);
    if (sends === false) {
      throwIfAny(this, [
        'partitionDiscovery PartitionDiscovery.eventDriven() needs EventBridge notifications on the lake bucket, got a bucket without them: set eventBridgeEnabled: true on the PartitionedParquetLake (or eventBridgeEnabled on your bucket)',
      ]);
    } else if (sends === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-serverless-data-lake:CrawledCatalog.eventBridge',
        'partition registration listens to EventBridge: make sure the imported lake bucket has EventBridge notifications turned on, or no partition is registered',
      );
    }
    return { fn: fn as lambda.IFunction, dlq, key };
  }
}

/** The schema-change policy of a crawler: the given choices, or the defaults documented on the options. */
function schemaChangePolicy(options: CrawlerDiscoveryOptions, schemaFirst: boolean): { update: SchemaUpdateBehavior; remove: SchemaDeleteBehavior } {
  const recrawl = options.recrawlPolicy ?? RecrawlPolicy.NEW_FOLDERS_ONLY;
  const evolve = !schemaFirst && recrawl !== RecrawlPolicy.NEW_FOLDERS_ONLY;
  return {
    update: options.schemaUpdateBehavior ?? (evolve ? SchemaUpdateBehavior.UPDATE_IN_DATABASE : SchemaUpdateBehavior.LOG),
    remove: options.schemaDeleteBehavior ?? SchemaDeleteBehavior.LOG,
  };
}

/** The schema-change choices Glue refuses, or that would let a crawler rewrite a declared table. */
function discoveryName(discovery: PartitionDiscovery): string {
  switch (discovery._kind) {
    case 'CRAWLER': return 'PartitionDiscovery.crawler()';
    case 'PROJECTION': return 'PartitionDiscovery.projection()';
    case 'EVENTS': return 'PartitionDiscovery.eventDriven()';
    default: return 'PartitionDiscovery.icebergMetadata()';
  }
}

function schemaChangeProblems(options: CrawlerDiscoveryOptions, schemaFirst: boolean): string[] {
  const problems: string[] = [];
  const recrawl = options.recrawlPolicy ?? RecrawlPolicy.NEW_FOLDERS_ONLY;
  const { update, remove } = schemaChangePolicy(options, schemaFirst);
  const recrawlShown = options.recrawlPolicy === undefined ? 'RecrawlPolicy.NEW_FOLDERS_ONLY (the default)' : 'RecrawlPolicy.NEW_FOLDERS_ONLY';
  if (schemaFirst) {
    if (update !== SchemaUpdateBehavior.LOG) {
      problems.push(
        `partitionDiscovery schemaUpdateBehavior SchemaUpdateBehavior.${update.value} would let the crawler rewrite the table this construct declares from schema (CloudFormation would no longer describe it, and the next deploy would revert it): use SchemaUpdateBehavior.LOG, or drop schema so the crawler owns the table`,
      );
    }
    if (remove !== SchemaDeleteBehavior.LOG) {
      problems.push(
        `partitionDiscovery schemaDeleteBehavior SchemaDeleteBehavior.${remove.value} would let the crawler ${remove === SchemaDeleteBehavior.DELETE_FROM_DATABASE ? 'delete' : 'deprecate'} the table this construct declares from schema when its objects are gone (e.g. expired by a lifecycle rule): use SchemaDeleteBehavior.LOG, or drop schema so the crawler owns the table`,
      );
    }
  } else if (recrawl === RecrawlPolicy.NEW_FOLDERS_ONLY && (update !== SchemaUpdateBehavior.LOG || remove !== SchemaDeleteBehavior.LOG)) {
    problems.push(
      `partitionDiscovery schemaUpdateBehavior/schemaDeleteBehavior must both be LOG with recrawlPolicy ${recrawlShown}, got ${update.value}/${remove.value}: Glue forces LOG/LOG on incremental crawls; use RecrawlPolicy.EVERYTHING or RecrawlPolicy.S3_EVENTS to evolve the table, or LOG/LOG to crawl new folders only`,
    );
  }
  return problems;
}
