import { Annotations, Duration, Names, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AthenaQuery } from './athena-query';
import { icebergTableQueries, STATEMENT_NAME_MAX, statementName, tableQueries } from './queries';
import { CrawledCatalog } from '../crawled-catalog/crawled-catalog';
import { acknowledge, acknowledgeGrantWildcards } from '../private/acknowledge';
import { dataLakeError, throwIfAny } from '../private/errors';

/**
 * The Athena engine the workgroup runs queries on.
 */
export class AthenaEngineVersion {
  /** Athena engine version 3 (Trino): the engine query result reuse and Iceberg time travel need. */
  public static readonly V3 = new AthenaEngineVersion('Athena engine version 3');

  /**
   * Let Athena choose and upgrade the engine. Query result reuse cannot be relied on then.
   */
  public static readonly AUTO = new AthenaEngineVersion('AUTO');

  /** The `SelectedEngineVersion` Athena is given. */
  public readonly selectedEngineVersion: string;

  private constructor(selectedEngineVersion: string) {
    this.selectedEngineVersion = selectedEngineVersion;
  }
}

/**
 * Where the workgroup writes query results.
 */
export class QueryResultsLocation {
  /**
   * A results bucket this construct defines: SSE-KMS with the results key, public access
   * blocked, TLS only, bucket owner enforced, results expired after `resultsExpiration`.
   */
  public static newBucket(): QueryResultsLocation {
    return new QueryResultsLocation(undefined, DEFAULT_RESULTS_PREFIX);
  }

  /**
   * A prefix of your bucket (the lake bucket, or a results bucket you manage). With a bucket
   * defined in this app, the construct adds a lifecycle rule expiring the prefix after
   * `resultsExpiration`; with an imported bucket, set the expiry on the bucket where it is
   * managed (the construct warns at synth).
   *
   * @param bucket the bucket
   * @param prefix the key prefix, ending in `/` (default `athena-results/`); it must not be a
   *   table's, `raw/` or `errors/`
   */
  public static inBucket(bucket: s3.IBucket, prefix?: string): QueryResultsLocation {
    return new QueryResultsLocation(bucket, prefix ?? DEFAULT_RESULTS_PREFIX);
  }

  /** @internal */
  public readonly _bucket?: s3.IBucket;
  /** @internal */
  public readonly _prefix: string;

  private constructor(bucket: s3.IBucket | undefined, prefix: string) {
    this._bucket = bucket;
    this._prefix = prefix;
  }
}

/**
 * Options for one table the workgroup serves.
 */
export interface AthenaTableOptions {
  /**
   * Save the table's queries in the workgroup: the named queries "latest partition" and
   * "starter query", and the prepared statement `<table>_rows_per_partition`. Each filters on
   * the layout's partition keys, so Athena reads only the partitions it names.
   *
   * @default true
   */
  readonly savedQueries?: boolean;
}

/**
 * Props of {@link AthenaQueryLayer}.
 */
export interface AthenaQueryLayerProps extends AthenaQueryLayerOptions {
  /**
   * Tables the workgroup serves; add more with `addTable`.
   *
   * @default - none
   */
  readonly tables?: CrawledCatalog[];
}

/**
 * The workgroup's settings: everything but the tables (also what `ServerlessDataLake` passes
 * through to it).
 */
export interface AthenaQueryLayerOptions {
  /**
   * Name of the workgroup: 1 to 128 letters, digits, periods, underscores or hyphens.
   * Changing it replaces the workgroup.
   *
   * @default - a name unique in the account, derived from the construct path
   */
  readonly workGroupName?: string;

  /**
   * Description of the workgroup.
   *
   * @default - names the construct path
   */
  readonly description?: string;

  /**
   * Where query results are written.
   *
   * @default QueryResultsLocation.newBucket()
   */
  readonly results?: QueryResultsLocation;

  /**
   * The KMS key query results are encrypted with (SSE-KMS, enforced by the workgroup).
   *
   * @default - the lake key (the encryption key of the first table's bucket); a new key with
   *   rotation when that bucket has none or no table is given
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long query results are kept before S3 deletes them (whole days).
   *
   * @default Duration.days(7)
   */
  readonly resultsExpiration?: Duration;

  /**
   * The cost guard: Athena cancels a query once it has scanned this much. At least 10 MB
   * (10,000,000 bytes), Athena's minimum.
   *
   * @default Size.gibibytes(10)
   */
  readonly bytesScannedCutoffPerQuery?: Size;

  /**
   * The query engine.
   *
   * @default AthenaEngineVersion.V3
   */
  readonly engineVersion?: AthenaEngineVersion;

  /**
   * Whether the workgroup's settings (results location, encryption, cutoff) override what a
   * client asks for. Turn off only if clients must choose their own result locations: the
   * encryption and the cost guard are then theirs to keep.
   *
   * @default true
   */
  readonly enforceWorkGroupConfiguration?: boolean;

  /**
   * Whether the workgroup publishes query metrics (`AWS/Athena`, dimension `WorkGroup`) to
   * CloudWatch.
   *
   * @default true
   */
  readonly publishCloudWatchMetrics?: boolean;

  /**
   * Query result reuse: how old a previous result of the same query may be for Athena to
   * return it instead of scanning again (1 minute to 7 days; engine version 3). Athena turns
   * reuse on per query (`StartQueryExecution`'s `ResultReuseConfiguration`), not per workgroup:
   * the value is published as `resultReuseConfiguration` for clients to pass.
   *
   * @default - no reuse
   */
  readonly resultReuseMaxAge?: Duration;

  /**
   * What happens to the results bucket this construct defines when it leaves the stack. The
   * workgroup itself is always deleted with its saved queries and query history
   * (`RecursiveDeleteOption`), so a delete never fails on a workgroup that was used.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Bucket the results bucket's server access logs go to (e.g. the lake's
   * `accessLogsBucket`), under `athena-results/`.
   *
   * @default - no server access logs for the results bucket: Athena records every query and
   *   result fetch in CloudTrail
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The result reuse settings for `StartQueryExecution`, in the shape of its
 * `ResultReuseConfiguration.ResultReuseByAgeConfiguration`.
 */
export interface ResultReuseByAgeConfiguration {
  /** Always true when published. */
  readonly enabled: boolean;
  /** The maximum age of a reused result, in minutes. */
  readonly maxAgeInMinutes: number;
}

const DEFAULT_RESULTS_PREFIX = 'athena-results/';
// Construct IDs of a table's saved statements, in the order tableQueries returns them.
const QUERY_IDS = ['LatestPartition', 'StarterQuery', 'RowsPerPartition'];
const ICEBERG_QUERY_IDS = ['LatestRows', 'TimeTravel', 'Snapshots'];
// Athena's minimum for BytesScannedCutoffPerQuery, in bytes.
// https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html
const MIN_CUTOFF_BYTES = 10_000_000;
// Workgroup names: https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
// ResultReuseByAgeConfiguration.MaxAgeInMinutes: 0 to 10080 (7 days).
const MAX_REUSE_MINUTES = 10_080;

/**
 * An Athena workgroup over the lake's Glue tables: engine version 3, its settings enforced,
 * results encrypted with KMS and expired, a per-query scan cutoff, CloudWatch metrics, and
 * saved queries per table that read only the partitions they name.
 *
 * @example
 * declare const catalog: CrawledCatalog;
 * declare const analyst: iam.IRole;
 * const queries = new AthenaQueryLayer(this, 'Queries', {
 *   tables: [catalog],
 *   bytesScannedCutoffPerQuery: Size.gibibytes(50),
 * });
 * queries.grantQuery(analyst);
 */
export class AthenaQueryLayer extends Construct {
  /** The workgroup. */
  public readonly workGroup: athena.CfnWorkGroup;

  /** Name of the workgroup. */
  public readonly workGroupName: string;

  /** The bucket query results are written to. */
  public readonly resultsBucket: s3.IBucket;

  /** The key prefix of query results in `resultsBucket`, ending in `/`. */
  public readonly resultsPrefix: string;

  /** The key query results are encrypted with. */
  public readonly encryptionKey: kms.IKey;

  /** The engine the workgroup runs. */
  public readonly engineVersion: AthenaEngineVersion;

  /**
   * Result reuse settings for clients' `StartQueryExecution` calls.
   *
   * @default - none unless `resultReuseMaxAge` is set
   */
  public readonly resultReuseConfiguration?: ResultReuseByAgeConfiguration;

  private readonly tables: CrawledCatalog[] = [];
  private readonly metricsPublished: boolean;
  private readonly grantees: iam.IGrantable[] = [];
  private readonly queries: AthenaQuery[] = [];

  public constructor(scope: Construct, id: string, props: AthenaQueryLayerProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const results = props.results ?? QueryResultsLocation.newBucket();
    const engineVersion = props.engineVersion ?? AthenaEngineVersion.V3;
    const cutoff = props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10);
    const expiration = props.resultsExpiration ?? Duration.days(7);
    const enforce = props.enforceWorkGroupConfiguration ?? true;
    const metrics = props.publishCloudWatchMetrics ?? true;
    const workGroupName = props.workGroupName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });

    const problems: string[] = [];
    if (!Token.isUnresolved(workGroupName) && !WORKGROUP_NAME.test(workGroupName)) {
      problems.push(`workGroupName must be 1 to 128 letters, digits, periods, underscores or hyphens, got '${workGroupName}': e.g. '${workGroupName.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 128) || 'lake'}'`);
    }
    const cutoffBytes = cutoff.toBytes();
    if (!Number.isInteger(cutoffBytes) || cutoffBytes < MIN_CUTOFF_BYTES) {
      problems.push(
        `bytesScannedCutoffPerQuery must be at least 10 MB (${MIN_CUTOFF_BYTES} bytes, Athena's minimum), got ${cutoffBytes} bytes: use e.g. Size.gibibytes(10)`,
      );
    }
    const expirationDays = expiration.toHours() / 24;
    if (!Number.isInteger(expirationDays) || expirationDays < 1) {
      problems.push(`resultsExpiration must be a whole number of days, at least 1 (S3 lifecycle rules count days), got ${expiration.toHumanString()}: e.g. Duration.days(7)`);
    }
    const prefix = results._prefix;
    if (!/^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*\/$/.test(prefix)) {
      problems.push(`results prefix must be a non-empty S3 key prefix ending in '/', without a leading '/', got '${prefix}': e.g. 'athena-results/'`);
    } else if (['raw/', 'errors/'].some((p) => prefix.startsWith(p))) {
      problems.push(`results prefix must not be under the lake's raw/ or errors/ roots, got '${prefix}': use e.g. 'athena-results/'`);
    }
    if (props.resultReuseMaxAge !== undefined) {
      const minutes = props.resultReuseMaxAge.toSeconds() / 60;
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_REUSE_MINUTES) {
        problems.push(`resultReuseMaxAge must be whole minutes from 1 minute to 7 days (Athena's range), got ${props.resultReuseMaxAge.toHumanString()}: e.g. Duration.hours(1)`);
      }
      if (engineVersion !== AthenaEngineVersion.V3) {
        problems.push('resultReuseMaxAge needs engineVersion AthenaEngineVersion.V3 (result reuse is an engine version 3 feature), got AthenaEngineVersion.AUTO: use AthenaEngineVersion.V3 or remove resultReuseMaxAge');
      }
    }
    if (results._bucket !== undefined) {
      if (props.removalPolicy !== undefined) {
        problems.push('removalPolicy applies to the results bucket this construct defines, got it with QueryResultsLocation.inBucket(): remove removalPolicy, or use QueryResultsLocation.newBucket()');
      }
      if (props.serverAccessLogsBucket !== undefined) {
        problems.push('serverAccessLogsBucket configures the results bucket this construct defines, got it with QueryResultsLocation.inBucket(): configure access logs where your bucket is defined, or use QueryResultsLocation.newBucket()');
      }
      if (props.resultsExpiration !== undefined && !(results._bucket instanceof s3.Bucket)) {
        problems.push('resultsExpiration needs a bucket this app defines, got an imported bucket, whose lifecycle rules this construct cannot change: set the expiry where the bucket is managed and remove resultsExpiration');
      }
    }
    throwIfAny(this, problems);

    const firstTable = props.tables?.[0];
    const encryptionKey =
      props.encryptionKey ??
      firstTable?.bucket.encryptionKey ??
      new kms.Key(this, 'Key', { description: `Encrypts the Athena query results of ${this.node.path}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });

    let resultsBucket: s3.IBucket;
    if (results._bucket) {
      resultsBucket = results._bucket;
      if (results._bucket instanceof s3.Bucket) {
        results._bucket.addLifecycleRule({ id: `expire-athena-results-${Names.uniqueId(this).slice(-8)}`, prefix, expiration });
      } else {
        Annotations.of(this).addWarningV2(
          'cdk-serverless-data-lake:AthenaQueryLayer.resultsExpiry',
          `query results go to an imported bucket, whose lifecycle this construct cannot change: expire the objects under ${prefix} where the bucket is managed, or they are kept forever`,
        );
      }
    } else {
      const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
      const bucket = new s3.Bucket(this, 'Results', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [
          { id: 'expire-athena-results', prefix, expiration },
          { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
        removalPolicy,
      });
      if (props.serverAccessLogsBucket) {
        const logPrefix = 'athena-results/';
        (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
          destinationBucketName: props.serverAccessLogsBucket.bucketName,
          logFilePrefix: logPrefix,
        };
        const delivery = props.serverAccessLogsBucket.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `S3ServerAccessLogs${Names.uniqueId(this).slice(-8)}`,
            principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
            actions: ['s3:PutObject'],
            resources: [props.serverAccessLogsBucket.arnForObjects(`${logPrefix}*`)],
            conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
          }),
        );
        if (!delivery.statementAdded) {
          Annotations.of(this).addWarningV2(
            'cdk-serverless-data-lake:AthenaQueryLayer.accessLogsPolicy',
            `serverAccessLogsBucket is not defined in this app, so its policy cannot be extended: let logging.s3.amazonaws.com put objects under ${logPrefix} for the results bucket, or no access log is delivered`,
          );
        }
      } else {
        acknowledge(
          bucket,
          'AwsSolutions-S1',
          'Query results are transient copies of lake data that expire; every query and result fetch is recorded by CloudTrail (StartQueryExecution, GetQueryResults). Pass serverAccessLogsBucket for object-level logs',
        );
      }
      resultsBucket = bucket;
    }

    this.workGroup = new athena.CfnWorkGroup(this, 'Resource', {
      name: workGroupName,
      description: props.description ?? `Data lake queries (${this.node.path})`,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: engineVersion.selectedEngineVersion },
        enforceWorkGroupConfiguration: enforce,
        publishCloudWatchMetricsEnabled: metrics,
        bytesScannedCutoffPerQuery: cutoffBytes,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${resultsBucket.bucketName}/${prefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: encryptionKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });
    this.workGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);

    this.workGroupName = workGroupName;
    this.metricsPublished = metrics;
    this.resultsBucket = resultsBucket;
    this.resultsPrefix = prefix;
    this.encryptionKey = encryptionKey;
    this.engineVersion = engineVersion;
    if (props.resultReuseMaxAge !== undefined) {
      this.resultReuseConfiguration = { enabled: true, maxAgeInMinutes: props.resultReuseMaxAge.toMinutes() };
    }
    for (const table of props.tables ?? []) this.addTable(table);
  }

  /** ARN of the workgroup. */
  public get workGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
  }

  /** The statements saved in the workgroup so far, per table in the order added. */
  public get savedQueries(): AthenaQuery[] {
    return [...this.queries];
  }

  /**
   * Serves one more table: saves its queries (unless `savedQueries: false`) and extends every
   * `grantQuery` made so far to it.
   */
  public addTable(catalog: CrawledCatalog, options: AthenaTableOptions = {}): void {
    const key = `${catalog.databaseName}.${catalog.tableName}`;
    if (this.tables.some((t) => `${t.databaseName}.${t.tableName}` === key)) {
      throw dataLakeError(this, `addTable got the table ${key} twice: add each table once`);
    }
    if (this.resultsPrefix.startsWith(catalog.layout.tableRoot(catalog.tableName))) {
      if (catalog.bucket === this.resultsBucket) {
        throw dataLakeError(
          this,
          `results prefix '${this.resultsPrefix}' is under the table ${catalog.tableName}'s own prefix in the lake bucket, so results would be read as table data: use another prefix, e.g. 'athena-results/'`,
        );
      }
    }
    this.tables.push(catalog);
    if (options.savedQueries ?? true) {
      const tableQueriesList = catalog.tableFormat.isIceberg
        ? icebergTableQueries(catalog.databaseName, catalog.tableName, catalog.layout,
          catalog.schema!, catalog.tableFormat.icebergOptions?.partitionColumn)
        : tableQueries(catalog.databaseName, catalog.tableName, catalog.layout, catalog.schema);
      const scope = new Construct(this, `Table-${catalog.databaseName}-${catalog.tableName}`);
      for (const [i, q] of tableQueriesList.entries()) {
        const id = (catalog.tableFormat.isIceberg ? ICEBERG_QUERY_IDS : QUERY_IDS)[i];
        if (q.parameters) {
          if (q.name.length > STATEMENT_NAME_MAX) {
            throw dataLakeError(this, `the prepared statement name '${statementName(catalog.tableName, '…')}' is over ${STATEMENT_NAME_MAX} characters: use a shorter tableName, or addTable with savedQueries: false`);
          }
          const statement = new athena.CfnPreparedStatement(scope, id, {
            statementName: q.name,
            workGroup: this.workGroupName,
            description: q.description.slice(0, 1024),
            queryStatement: q.sql,
          });
          statement.node.addDependency(this.workGroup);
        } else {
          const query = new athena.CfnNamedQuery(scope, id, {
            name: q.name,
            database: catalog.databaseName,
            workGroup: this.workGroupName,
            description: q.description.slice(0, 1024),
            queryString: q.sql,
          });
          query.node.addDependency(this.workGroup);
        }
        this.queries.push(q);
      }
    }
    for (const grantee of this.grantees) catalog.grantRead(grantee);
  }

  /**
   * Lets the grantee run queries in this workgroup and read what they return: start, stop and
   * read query executions and results, and read saved queries, in this workgroup only; read the
   * catalog entries and the data objects (under `<table>/`, never raw/ or errors/) of the tables
   * it serves, and decrypt them; read and write objects under the results prefix, with the
   * results key. Nothing more: no other workgroup, no write to the lake. Without `tables`,
   * tables added later with `addTable` are granted to the same grantee.
   *
   * @param grantee who may query
   * @param tables only these of the tables the workgroup serves (default: all of them, and
   *   those added later)
   */
  public grantQuery(grantee: iam.IGrantable, tables?: CrawledCatalog[]): iam.Grant {
    for (const table of tables ?? []) {
      if (!this.tables.includes(table)) {
        throw dataLakeError(this, `grantQuery got the table ${table.databaseName}.${table.tableName}, which this workgroup does not serve: addTable it first, or leave it out`);
      }
    }
    if (!tables) this.grantees.push(grantee);
    let grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:BatchGetQueryExecution',
        'athena:ListQueryExecutions',
        'athena:GetQueryResults',
        'athena:GetQueryResultsStream',
        'athena:GetQueryRuntimeStatistics',
        'athena:GetWorkGroup',
        'athena:GetNamedQuery',
        'athena:BatchGetNamedQuery',
        'athena:ListNamedQueries',
        'athena:GetPreparedStatement',
        'athena:ListPreparedStatements',
      ],
      resourceArns: [this.workGroupArn],
    });
    const results = this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`);
    grant = grant
      .combine(
        iam.Grant.addToPrincipalOrResource({
          grantee,
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resourceArns: [results],
          resource: this.resultsBucket,
        }),
      )
      .combine(
        iam.Grant.addToPrincipalOrResource({
          grantee,
          actions: ['s3:ListBucket'],
          resourceArns: [this.resultsBucket.bucketArn],
          resource: this.resultsBucket,
          conditions: { StringLike: { 's3:prefix': [this.resultsPrefix, `${this.resultsPrefix}*`] } },
        }),
      )
      .combine(
        iam.Grant.addToPrincipalOrResource({
          grantee,
          actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
          resourceArns: [this.resultsBucket.bucketArn],
          resource: this.resultsBucket,
        }),
      )
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [this.encryptionKey.keyArn] }));
    acknowledgeGrantWildcards(grantee, [results], 'Query results are read and written under the workgroup\'s results prefix only, where Athena names the objects');
    for (const table of tables ?? this.tables) grant = grant.combine(table.grantRead(grantee));
    return grant;
  }

  /**
   * Bytes scanned per query (`AWS/Athena` `ProcessedBytes`, sum over the period). Needs
   * `publishCloudWatchMetrics` (the default).
   */
  public metricProcessedBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.athenaMetric('ProcessedBytes', { statistic: 'Sum', ...props });
  }

  /**
   * Failed queries (`AWS/Athena` `TotalExecutionTime` sample count with `QueryState` FAILED),
   * including those cancelled by the scan cutoff. Needs `publishCloudWatchMetrics`.
   */
  public metricFailedQueries(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.athenaMetric('TotalExecutionTime', { statistic: 'SampleCount', ...props, dimensionsMap: { WorkGroup: this.workGroupName, QueryState: 'FAILED', QueryType: 'DML' } });
  }

  private athenaMetric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.metricsPublished) {
      throw dataLakeError(this, `metric ${metricName} needs publishCloudWatchMetrics: true, got false: the workgroup publishes no metrics; turn them on or remove the metric`);
    }
    return new cloudwatch.Metric({
      namespace: 'AWS/Athena',
      metricName,
      dimensionsMap: { WorkGroup: this.workGroupName },
      period: Duration.minutes(5),
      ...props,
    });
  }
}
