import { Aspects, CfnMapping, Duration, Names, Size, SizeRoundingBehavior, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { NewlineTransformFunction } from './newline-transform-function';
import { PartitionLayout } from '../layout/partition-layout';
import { acknowledge, acknowledgeWildcardResources } from '../private/acknowledge';
import { throwIfAny } from '../private/errors';
import { glueTableArns } from '../private/glue-arns';
import { declaredIcebergTable } from '../private/iceberg';
import { encryptedLogGroup } from '../private/log-groups';
import { tableNameProblems } from '../private/names';
import { grantFirehoseDelivery } from '../private/table-grants';

/**
 * How each record gets the newline that keeps records apart in delivered JSON lines, or, with
 * Parquet, which processor (if any) runs before the conversion.
 *
 * Firehose concatenates records as they are. Without a delimiter, newline-delimited JSON readers
 * (the crawler, Athena's JSON SerDe) see one record per object. Parquet is different: record
 * format conversion deserializes each record's JSON itself (`{"a":1}{"a":2}` is valid input), so
 * a newline before Parquet adds cost and a failure mode and nothing else. With a `table`, no
 * processor runs unless you choose your own Lambda for custom processing.
 *
 * | Strategy | Cost | JSON lines | Parquet |
 * | --- | --- | --- | --- |
 * | `bundledFunction()` | one Lambda invocation per processor buffer | the default | rejected: the newline has no effect |
 * | `appendDelimiter()` | none (Firehose built-in) | no processing beyond the newline is needed | rejected: the newline has no effect |
 * | `lambdaFunction(fn)` | your Lambda | you transform, filter or enrich records, and add the newline | you transform, filter or enrich records before the conversion |
 * | (none) | none | not possible: records would run together | the default |
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
 */
export class NewlineStrategy {
  /**
   * The bundled Lambda (Node.js): appends `\n` to each record that does not already end with
   * one, touching only the last base64 quantum, so its cost does not grow with record size.
   * One function per stack serves every delivery stream in it.
   */
  public static bundledFunction(): NewlineStrategy {
    return new NewlineStrategy('BUNDLED');
  }

  /**
   * Firehose's built-in `AppendDelimiterToRecord` processor: no Lambda to run or pay for. It
   * appends the newline to every record, also to one that already ends with a newline.
   */
  public static appendDelimiter(): NewlineStrategy {
    return new NewlineStrategy('NATIVE');
  }

  /**
   * Your Lambda, following the Firehose data transformation contract (every `recordId` back once,
   * with `result` and base64 `data`). For JSON lines it must end each record with its newline;
   * before Parquet it returns the JSON records to convert. The delivery role is allowed to
   * invoke it.
   */
  public static lambdaFunction(fn: lambda.IFunction): NewlineStrategy {
    return new NewlineStrategy('CUSTOM', fn);
  }

  /** @internal */
  public readonly _kind: 'BUNDLED' | 'NATIVE' | 'CUSTOM';

  /** @internal */
  public readonly _fn?: lambda.IFunction;

  private constructor(kind: 'BUNDLED' | 'NATIVE' | 'CUSTOM', fn?: lambda.IFunction) {
    this._kind = kind;
    this._fn = fn;
  }
}

/**
 * How a `NewlineTransformFirehose` delivers: everything but the stream, the lake and the table
 * (also what `ServerlessDataLake` passes through to it).
 */
export interface DeliveryOptions {
  /**
   * How each record gets its newline (JSON lines), or your Lambda processor before the Parquet
   * conversion. With `table`, only `NewlineStrategy.lambdaFunction(fn)` is accepted: the
   * conversion reads each record's JSON itself, so a newline would have no effect.
   *
   * @default - `NewlineStrategy.bundledFunction()` for JSON lines; no processor with Parquet
   */
  readonly newline?: NewlineStrategy;

  /**
   * How long Firehose buffers records before writing an object. 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * How much data Firehose buffers before writing an object: 1 to 128 MiB, and at least 64 MiB
   * with Parquet conversion. Bigger objects make Athena cheaper and faster.
   *
   * @default - Size.mebibytes(128) with Parquet, Size.mebibytes(64) for JSON
   */
  readonly bufferingSize?: Size;

  /**
   * Whether to keep a raw backup of every record, as Firehose received it (before the newline
   * and any conversion), GZIP-compressed under the layout's raw-backup prefix. It is what a
   * replay reads after a bad transformation; the lake expires it.
   *
   * @default true
   */
  readonly rawBackup?: boolean;

  /**
   * Buffering interval of the raw backup. 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly rawBackupBufferingInterval?: Duration;

  /**
   * Buffering size of the raw backup. 1 to 128 MiB.
   *
   * @default Size.mebibytes(64)
   */
  readonly rawBackupBufferingSize?: Size;

  /**
   * Time zone of the `!{timestamp:…}` partition values (the arrival time): an IANA name such as
   * `TimeZone.EUROPE_BERLIN`, or `TimeZone.of('UTC')`.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
   * @default - UTC, what Firehose uses when none is set
   */
  readonly timeZone?: TimeZone;

  /**
   * The smallest average record size the stream carries. Sizes the Lambda processor's buffer so
   * that a request (each record with its Kinesis metadata) and its response stay under Lambda's
   * 6 MB payload limit.
   *
   * @default Size.bytes(100)
   */
  readonly smallestRecordSize?: Size;

  /**
   * How much data Firehose buffers before invoking the processor Lambda: 0.2 to 3 MB, and small
   * enough that the request for records of `smallestRecordSize` stays under 6 MB.
   *
   * @default - the largest safe size for `smallestRecordSize`, in steps of 0.1 MB: 0.7 MB for 100-byte records, 3 MB from about 1,050 bytes
   */
  readonly processorBufferSize?: Size;

  /**
   * How long Firehose buffers before invoking the processor Lambda. 0 to 900 seconds.
   *
   * @default Duration.seconds(60)
   */
  readonly processorBufferInterval?: Duration;

  /**
   * How often Firehose retries a failed processor invocation before sending the records to the
   * error output. 0 to 300.
   *
   * @default 3
   */
  readonly processorRetries?: number;

  /**
   * How long Firehose retries a failed write into an Iceberg table before the records go to
   * the error output: 0 to 7200 seconds. Iceberg tables only (Firehose retries S3 deliveries for
   * 24 hours, not configurable).
   *
   * @default - Duration.seconds(300) for Iceberg (Firehose's default)
   */
  readonly retryDuration?: Duration;

  /**
   * Name of the delivery stream.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly deliveryStreamName?: string;

  /**
   * How long the delivery stream's error logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The KMS key that encrypts the delivery stream's log group. A statement letting CloudWatch
   * Logs use it is added to its key policy when the key is defined in this app.
   *
   * @default - the lake bucket's key when it has one, else a key is defined
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Properties of a `NewlineTransformFirehose`.
 */
export interface NewlineTransformFirehoseProps extends DeliveryOptions {
  /** The stream records are read from (e.g. `StreamIngest.stream`). */
  readonly stream: kinesis.IStream;

  /** The lake bucket records are delivered to (e.g. `PartitionedParquetLake.bucket`). */
  readonly bucket: s3.IBucket;

  /** The lake's partition layout: the source of the data, error and raw-backup prefixes. */
  readonly layout: PartitionLayout;

  /** The table the records belong to: its folder in the lake. */
  readonly tableName: string;

  /**
   * The Glue table to convert records to Parquet against (e.g. `CrawledCatalog.table`). With
   * it, JSON records are converted to Parquet (SNAPPY); without it, they are delivered as
   * newline-delimited JSON, GZIP-compressed.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
   * @default - no conversion: newline-delimited JSON, GZIP
   */
  readonly table?: glue.CfnTable;
}

// Firehose S3 destination limits.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html
const MAX_INTERVAL_SECONDS = 900;
const MIN_BUFFER_MIB = 1;
const MAX_BUFFER_MIB = 128;
const MIN_PARQUET_BUFFER_MIB = 64;
// Lambda processor limits: buffer 0.2 to 3 MB, and a 6 MB synchronous payload both ways.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
const MIN_PROCESSOR_MB = 0.2;
const MAX_PROCESSOR_MB = 3;
const LAMBDA_PAYLOAD_BYTES = 6_000_000;
// Per record in a Kinesis-sourced request: recordId, arrival time and kinesisRecordMetadata
// (shard id, partition key up to 256 characters, sequence numbers), with their JSON keys.
const REQUEST_OVERHEAD_BYTES = 600;
const MIB = 1024 * 1024;
const MAX_RETRIES = 300;

/**
 * The delivery stage of the lake: a Firehose delivery stream from the Kinesis stream into the
 * lake bucket, under the partition layout's prefixes, with a newline after every record.
 *
 * Defines:
 * - the delivery stream (`deliveryStream`) with its role (`role`), which reads only the stream,
 *   writes only under the table's prefixes, and reads the Glue table only for conversion
 * - with a schema (`table`): JSON→Parquet (SNAPPY) conversion against the Glue table
 * - a raw backup of the untransformed records (unless turned off) and error output for
 *   processing and conversion failures
 * - an encrypted log group for delivery errors (`logGroup`)
 * - for JSON lines, the bundled newline Lambda, once per stack (`processorFunction`), unless
 *   another strategy is chosen; with Parquet, no processor unless you bring your Lambda
 *
 * @example
 * declare const ingest: StreamIngest;
 * declare const lake: PartitionedParquetLake;
 * declare const catalog: CrawledCatalog;
 * new NewlineTransformFirehose(this, 'Delivery', {
 *   stream: ingest.stream,
 *   bucket: lake.bucket,
 *   layout: lake.layout,
 *   tableName: catalog.tableName,
 *   table: catalog.table,
 * });
 */
export class NewlineTransformFirehose extends Construct {
  /** The delivery stream. */
  public readonly deliveryStream: firehose.IDeliveryStream;

  /** The role Firehose assumes to read the stream and write the lake. */
  public readonly role: iam.IRole;

  /** The log group delivery errors are written to. */
  public readonly logGroup: logs.ILogGroup;

  /** The key that encrypts the delivery stream's log group (and the bundled function's). */
  public readonly logKey: kms.IKey;

  /**
   * The processor Lambda: the bundled newline function, or yours.
   *
   * @default - none with `NewlineStrategy.appendDelimiter()`, and none with Parquet unless you pass your Lambda
   */
  public readonly processorFunction?: lambda.IFunction;

  /** Whether records are converted to Parquet (Hive-style Parquet tables). */
  public readonly convertsToParquet: boolean;

  /** Whether records are written into an Iceberg table (Firehose's Iceberg destination). */
  public readonly writesIceberg: boolean;

  /**
   * The columns Firehose upserts by (the Iceberg table's identifier fields).
   *
   * @default - none: append-only, or not Iceberg
   */
  public readonly uniqueKeys?: string[];

  /** Name of the table the records belong to. */
  public readonly tableName: string;

  /** How long Firehose buffers records before it writes an object to the table's prefix. */
  public readonly bufferingInterval: Duration;

  /**
   * How long Firehose buffers records before it writes a raw-backup object.
   *
   * @default - none without a raw backup
   */
  public readonly rawBackupBufferingInterval?: Duration;

  /**
   * How long Firehose buffers records before it invokes the processor Lambda.
   *
   * @default - none without a processor Lambda
   */
  public readonly processorBufferInterval?: Duration;

  public constructor(scope: Construct, id: string, props: NewlineTransformFirehoseProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const iceberg = props.table ? icebergOfTable(stack, props.table) : undefined;
    const parquet = props.table !== undefined && iceberg === undefined;
    // Before Parquet a newline does nothing (the conversion deserializes each record's JSON
    // itself): no processor unless the user brings one. JSON lines need the newline.
    const newline = props.newline ?? (props.table ? undefined : NewlineStrategy.bundledFunction());
    // Firehose's Iceberg destination backs up failed records only (S3BackupMode FailedDataOnly).
    const rawBackup = props.rawBackup ?? !iceberg;
    const bufferingInterval = props.bufferingInterval ?? Duration.seconds(300);
    const bufferingSize = props.bufferingSize ?? Size.mebibytes(props.table ? 128 : 64);
    const backupInterval = props.rawBackupBufferingInterval ?? Duration.seconds(300);
    const backupSize = props.rawBackupBufferingSize ?? Size.mebibytes(64);
    const smallestRecordSize = props.smallestRecordSize ?? Size.bytes(100);
    const processorInterval = props.processorBufferInterval ?? Duration.seconds(60);
    const retries = props.processorRetries ?? 3;
    const usesLambda = newline !== undefined && newline._kind !== 'NATIVE';

    // ---- validation: every rule, one error ----
    const problems: string[] = [...tableNameProblems(props.tableName)];
    intervalProblems(problems, 'bufferingInterval', bufferingInterval);
    bufferProblems(problems, 'bufferingSize', bufferingSize, parquet ? MIN_PARQUET_BUFFER_MIB : MIN_BUFFER_MIB, parquet);
    if (iceberg && props.rawBackup === true) {
      problems.push(
        'rawBackup true keeps every record as received, got it with an Iceberg table: Firehose\'s Iceberg destination backs up failed records only (they go to the error output either way); remove rawBackup, or use TableFormat.HIVE_PARQUET to keep a raw backup',
      );
    }
    if (!rawBackup) {
      for (const [name, value] of [
        ['rawBackupBufferingInterval', props.rawBackupBufferingInterval],
        ['rawBackupBufferingSize', props.rawBackupBufferingSize],
      ] as const) {
        if (value !== undefined) problems.push(`${name} needs rawBackup: true, got rawBackup: false: remove ${name} or keep the raw backup`);
      }
    } else {
      intervalProblems(problems, 'rawBackupBufferingInterval', backupInterval);
      bufferProblems(problems, 'rawBackupBufferingSize', backupSize, MIN_BUFFER_MIB, false);
    }
    if (props.table && newline !== undefined && newline._kind !== 'CUSTOM') {
      const choice = newline._kind === 'NATIVE' ? 'NewlineStrategy.appendDelimiter()' : 'NewlineStrategy.bundledFunction()';
      const reader = iceberg ? 'the Iceberg destination' : 'record format conversion';
      problems.push(
        `newline ${choice} has no effect with table (${iceberg ? 'Iceberg' : 'Parquet'}): ${reader} reads each record's JSON itself, so a newline only adds ${newline._kind === 'NATIVE' ? 'a processing step' : 'a Lambda invocation'} and a failure mode; remove newline, or pass NewlineStrategy.lambdaFunction(fn) for custom processing before the ${iceberg ? 'write' : 'conversion'}`,
      );
    }
    if (iceberg && props.timeZone !== undefined) {
      problems.push(
        'timeZone sets the time zone of the Hive-style prefixes, got it with an Iceberg table, whose files Iceberg places by the partition column\'s value and whose backup and error prefixes Firehose evaluates in UTC: remove timeZone',
      );
    }
    const retryDuration = props.retryDuration ?? (iceberg ? Duration.seconds(300) : undefined);
    if (!iceberg && props.retryDuration !== undefined) {
      problems.push('retryDuration applies to Iceberg tables, got it with an S3 delivery, which Firehose retries for 24 hours (not configurable): remove retryDuration');
    }
    if (retryDuration !== undefined && !retryDuration.isUnresolved()) {
      const seconds = retryDuration.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ICEBERG_RETRY_SECONDS) {
        problems.push(`retryDuration must be a whole number of seconds from 0 to ${MAX_ICEBERG_RETRY_SECONDS}, got ${seconds} seconds: e.g. Duration.minutes(30)`);
      }
    }
    if (!usesLambda) {
      const without = newline === undefined ? `${iceberg ? 'Iceberg' : 'Parquet'} delivery without a processor Lambda` : 'NewlineStrategy.appendDelimiter()';
      for (const name of ['processorBufferSize', 'processorBufferInterval', 'processorRetries', 'smallestRecordSize'] as const) {
        if (props[name] !== undefined) {
          problems.push(`${name} applies to a processor Lambda, got it with ${without}: remove ${name}, or choose a Lambda strategy`);
        }
      }
    }
    intervalProblems(problems, 'processorBufferInterval', processorInterval);
    if (!Token.isUnresolved(retries) && (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES)) {
      problems.push(`processorRetries must be a whole number from 0 to ${MAX_RETRIES}, got ${retries}: e.g. 3`);
    }
    const processorBufferMb = usesLambda ? this.processorBuffer(problems, smallestRecordSize, props.processorBufferSize) : undefined;
    // Firehose takes IANA zone names; it rejects three-letter abbreviations and Etc/UTC,
    // Etc/GMT and Factory. https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
    const zone = props.timeZone?.timezoneName;
    if (zone !== undefined && !Token.isUnresolved(zone) && zone !== 'UTC'
      && (/^[A-Za-z]{3}$/.test(zone) || ['Etc/UTC', 'Etc/GMT', 'Factory'].includes(zone) || !/^[a-zA-Z/_]+$/.test(zone))) {
      problems.push(`timeZone must be an IANA time zone name Firehose accepts, got '${zone}': use e.g. TimeZone.EUROPE_LONDON, or TimeZone.of('UTC')`);
    }
    if (props.deliveryStreamName !== undefined && !Token.isUnresolved(props.deliveryStreamName) && !/^[a-zA-Z0-9_.-]{1,64}$/.test(props.deliveryStreamName)) {
      problems.push(`deliveryStreamName must be 1 to 64 letters, digits, '_', '-' or '.', got '${props.deliveryStreamName}': rename it or leave it unset`);
    }
    if (props.table) {
      const input = stack.resolve(props.table.tableInput) as { name?: unknown };
      if (typeof input?.name === 'string' && input.name !== props.tableName) {
        problems.push(
          `table must be the Glue table named tableName ('${props.tableName}'), got the table '${input.name}': pass the CrawledCatalog's table together with its tableName, or Firehose would convert against one table and write another's folder`,
        );
      }
    }
    throwIfAny(this, problems);

    this.tableName = props.tableName;
    this.convertsToParquet = parquet;
    this.writesIceberg = iceberg !== undefined;
    this.uniqueKeys = iceberg && iceberg.uniqueKeys.length > 0 ? iceberg.uniqueKeys : undefined;

    // ---- role: exact permissions, granted here ----
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
      description: `Firehose delivery of ${props.tableName} (${this.node.path}): reads one stream, writes one table's prefixes`,
    });
    this.role = role;
    props.stream.grant(role, 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards');
    props.stream.encryptionKey?.grant(role, 'kms:Decrypt');
    grantFirehoseDelivery(props.bucket, props.layout, props.tableName, role, rawBackup);
    if (iceberg) {
      // Iceberg commits replace metadata files and Firehose removes the files of a failed commit.
      const tableObjects = props.bucket.arnForObjects(`${props.layout.tableRoot(props.tableName)}*`);
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [tableObjects] }));
    }

    // ---- log group, encrypted, retained, and named anew with each creation of the stack ----
    const logKey = props.encryptionKey ?? props.bucket.encryptionKey ?? new kms.Key(this, 'LogKey', {
      description: `Encrypts the Firehose logs of ${this.node.path}`,
      enableKeyRotation: true,
    });
    // One key-policy statement for the delivery log groups of this stack's creation, however many
    // delivery streams share the key (a lake key shared by 60 lakes stays far under 32 KB).
    const { logGroup, arn: logGroupArn } = encryptedLogGroup(this, 'Logs', {
      prefix: '/aws/kinesisfirehose/',
      key: logKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      sid: 'AllowCloudWatchLogsForFirehoseDeliveries',
      onePolicyStatementForPrefix: true,
      warningId: 'cdk-serverless-data-lake:NewlineTransformFirehose.keyPolicy',
    });
    this.logGroup = logGroup;
    this.logKey = logKey;
    const logStreams = `${logGroupArn}:log-stream:*`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logStreams] }));
    acknowledgeWildcardResources(role, [logStreams], 'Firehose writes its error logs to the streams of this delivery stream\'s own log group');

    // ---- newline processor (none before Parquet unless the user brings one) ----
    let processor: firehose.IDataProcessor | undefined;
    if (newline === undefined) {
      processor = undefined;
    } else if (newline._kind === 'NATIVE') {
      processor = new firehose.AppendDelimiterToRecordProcessor();
    } else {
      const fn = newline._fn ?? this.bundledFunction(logKey);
      this.processorFunction = fn;
      this.processorBufferInterval = processorInterval;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], resources: [fn.functionArn] }),
      );
      processor = new LambdaProcessor(fn, role, processorBufferMb!, processorInterval, retries);
    }

    if (iceberg) {
      const { catalogArn, databaseArn, tableArn } = glueTableArns(this, props.table!.databaseName, props.tableName);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'], resources: [catalogArn, databaseArn, tableArn] }),
      );
      this.deliveryStream = this.icebergDelivery(props, {
        role,
        logGroup,
        catalogArn,
        databaseName: props.table!.databaseName,
        uniqueKeys: iceberg.uniqueKeys,
        processor: processor ? (processor as LambdaProcessor).bind() : undefined,
        bufferingInterval,
        bufferingSize,
        retryDuration: retryDuration!,
      });
      this.bufferingInterval = bufferingInterval;
      return;
    }

    // ---- Parquet conversion against the Glue table ----
    let dataFormatConversion: firehose.DataFormatConversionProps | undefined;
    if (props.table) {
      const { catalogArn, databaseArn, tableArn } = glueTableArns(this, props.table.databaseName, props.tableName);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: [catalogArn, databaseArn, tableArn],
        }),
      );
      dataFormatConversion = {
        schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(props.table),
        inputFormat: firehose.InputFormat.OPENX_JSON,
        outputFormat: new firehose.ParquetOutputFormat({ compression: firehose.ParquetCompression.SNAPPY }),
      };
    }

    // The L2 destination grants the whole bucket (read and write) to the role it is given; it
    // gets a view of our role that takes no grants, so the exact ones above are all it has.
    const immutableRole = role.withoutPolicyUpdates();
    const logging = new firehose.EnableLogging(logGroup);
    const destination = new firehose.S3Bucket(props.bucket, {
      role: immutableRole,
      dataOutputPrefix: props.layout.dataPrefix(props.tableName),
      errorOutputPrefix: props.layout.errorPrefix(props.tableName),
      bufferingInterval,
      bufferingSize,
      compression: parquet ? undefined : firehose.Compression.GZIP,
      dataFormatConversion,
      processors: processor ? [processor] : undefined,
      timeZone: props.timeZone,
      loggingConfig: logging,
      s3Backup: rawBackup
        ? {
          mode: firehose.BackupMode.ALL,
          bucket: props.bucket,
          dataOutputPrefix: props.layout.backupPrefix(props.tableName),
          errorOutputPrefix: props.layout.errorPrefix(props.tableName),
          bufferingInterval: backupInterval,
          bufferingSize: backupSize,
          compression: firehose.Compression.GZIP,
          loggingConfig: logging,
        }
        : undefined,
    });

    const deliveryStream = new firehose.DeliveryStream(this, 'Resource', {
      deliveryStreamName: props.deliveryStreamName,
      source: new firehose.KinesisStreamSource(props.stream),
      destination,
      role: immutableRole,
    });
    // Firehose checks its permissions when the delivery stream is created.
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) deliveryStream.node.addDependency(policy);
    // The schema configuration names the table by its literal name: the L2 writes a Ref to the
    // AWS::Glue::Table, whose return value is documented loosely and whose CloudFormation
    // identifier is compound (catalog, database, name), while Firehose wants the bare table name.
    // The name is known here, so no Ref is needed; an explicit dependency keeps the table first
    // (Parquet conversion needs the table before the delivery stream exists).
    if (props.table) {
      const cfn = deliveryStream.node.defaultChild as firehose.CfnDeliveryStream;
      cfn.addPropertyOverride('ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration.SchemaConfiguration.TableName', props.tableName);
      deliveryStream.node.addDependency(props.table);
    }
    acknowledge(
      deliveryStream,
      'AwsSolutions-KDF1',
      'Firehose rejects server-side encryption for a delivery stream whose source is a Kinesis data stream; the records are encrypted at rest in the stream (KMS) and in the lake (the bucket key)',
    );
    acknowledgeFirehoseCidrMapping(this);
    this.deliveryStream = deliveryStream;
    this.bufferingInterval = bufferingInterval;
    this.rawBackupBufferingInterval = rawBackup ? backupInterval : undefined;
  }

  /**
   * The delivery stream into an Iceberg table, on the L1 (aws-cdk-lib's Firehose L2 has no
   * Iceberg destination): records from the Kinesis stream into the Glue table, the raw backup
   * (or only failed records) and error output into the lake bucket under the layout's prefixes.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-destination.html
   */
  private icebergDelivery(props: NewlineTransformFirehoseProps, o: IcebergDeliveryOptions): firehose.IDeliveryStream {
    const mib = (size: Size) => size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    const errorPrefix = props.layout.errorPrefix(props.tableName);
    const destinationLog = new logs.LogStream(this, 'DestinationDeliveryLogs', { logGroup: o.logGroup, logStreamName: 'DestinationDelivery' });
    const backupLog = new logs.LogStream(this, 'BackupDeliveryLogs', { logGroup: o.logGroup, logStreamName: 'BackupDelivery' });
    const processors: firehose.CfnDeliveryStream.ProcessorProperty[] = [];
    if (o.uniqueKeys.length > 0) {
      // Upserts: every record is an update (delete by the unique keys, then insert) of this table.
      // https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-format-input-record.html
      processors.push({
        type: 'MetadataExtraction',
        parameters: [
          {
            parameterName: 'MetadataExtractionQuery',
            parameterValue: `{destinationDatabaseName: ${JSON.stringify(o.databaseName)}, destinationTableName: ${JSON.stringify(props.tableName)}, operation: "update"}`,
          },
          { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
        ],
      });
    }
    if (o.processor) {
      processors.push({ type: o.processor.processorType, parameters: o.processor.parameters });
    }
    const cfn = new firehose.CfnDeliveryStream(this, 'Resource', {
      deliveryStreamName: props.deliveryStreamName,
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: o.role.roleArn },
      icebergDestinationConfiguration: {
        roleArn: o.role.roleArn,
        catalogConfiguration: { catalogArn: o.catalogArn },
        destinationTableConfigurationList: [
          {
            destinationDatabaseName: o.databaseName,
            destinationTableName: props.tableName,
            uniqueKeys: o.uniqueKeys.length > 0 ? o.uniqueKeys : undefined,
            s3ErrorOutputPrefix: errorPrefix,
          },
        ],
        appendOnly: o.uniqueKeys.length === 0,
        bufferingHints: { intervalInSeconds: o.bufferingInterval.toSeconds(), sizeInMBs: mib(o.bufferingSize) },
        retryOptions: { durationInSeconds: o.retryDuration.toSeconds() },
        processingConfiguration: processors.length > 0 ? { enabled: true, processors } : undefined,
        cloudWatchLoggingOptions: { enabled: true, logGroupName: o.logGroup.logGroupName, logStreamName: destinationLog.logStreamName },
        // "Currently, S3 backup only supports FailedDataOnly" (API_IcebergDestinationConfiguration).
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: props.bucket.bucketArn,
          roleArn: o.role.roleArn,
          errorOutputPrefix: errorPrefix,
          compressionFormat: 'GZIP',
          encryptionConfiguration: props.bucket.encryptionKey
            ? { kmsEncryptionConfig: { awskmsKeyArn: props.bucket.encryptionKey.keyArn } }
            : undefined,
          cloudWatchLoggingOptions: { enabled: true, logGroupName: o.logGroup.logGroupName, logStreamName: backupLog.logStreamName },
        },
      },
    });
    // Firehose checks its permissions, the table and its unique keys when the stream is created.
    const policy = o.role.node.tryFindChild('DefaultPolicy');
    if (policy) cfn.node.addDependency(policy);
    cfn.node.addDependency(props.table!);
    acknowledge(
      cfn,
      'AwsSolutions-KDF1',
      'Firehose rejects server-side encryption for a delivery stream whose source is a Kinesis data stream; the records are encrypted at rest in the stream (KMS) and in the lake (the bucket key)',
    );
    // The imported view adds aws-cdk-lib's region-to-CIDR mapping to the stack, as the L2 does.
    const imported = firehose.DeliveryStream.fromDeliveryStreamAttributes(this, 'Stream', { deliveryStreamName: cfn.ref, role: o.role });
    acknowledgeFirehoseCidrMapping(this);
    return imported;
  }

  /**
   * Any metric of the delivery stream in the `AWS/Firehose` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deliveryStream.metric(metricName, props);
  }

  /**
   * Age of the oldest record not yet delivered to S3 (`DeliveryToS3.DataFreshness`): alarm on it
   * to catch a stalled delivery.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricDeliveryToS3DataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToS3DataFreshness', false);
    return this.metric('DeliveryToS3.DataFreshness', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Share of successful S3 puts (`DeliveryToS3.Success`, 0 to 1).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricDeliveryToS3Success(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToS3Success', false);
    return this.metric('DeliveryToS3.Success', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * Records delivered to S3 (`DeliveryToS3.Records`).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricDeliveryToS3Records(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToS3Records', false);
    return this.metric('DeliveryToS3.Records', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Share of successful processor Lambda invocations (`ExecuteProcessing.Success`, 0 to 1).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricExecuteProcessingSuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecuteProcessing.Success', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * Time each processor Lambda invocation takes (`ExecuteProcessing.Duration`, milliseconds).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricExecuteProcessingDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecuteProcessing.Duration', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * Records the processor returned as `Ok` (`SucceedProcessing.Records`).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricSucceedProcessingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('SucceedProcessing.Records', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Records that failed Parquet conversion (`FailedConversion.Records`): they went to the error
   * output instead of the table.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricFailedConversionRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FailedConversion.Records', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Age of the oldest record not yet in the raw backup (`BackupToS3.DataFreshness`).
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricBackupToS3DataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricBackupToS3DataFreshness', false);
    return this.metric('BackupToS3.DataFreshness', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Age of the oldest record not yet committed to the Iceberg table
   * (`DeliveryToIceberg.DataFreshness`, seconds). Iceberg tables only.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-metric.html
   * @default - statistic Maximum, period 5 minutes
   */
  public metricDeliveryToIcebergDataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToIcebergDataFreshness', true);
    return this.metric('DeliveryToIceberg.DataFreshness', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Rows committed to the Iceberg table (`DeliveryToIceberg.SuccessfulRowCount`). Iceberg tables only.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricDeliveryToIcebergSuccessfulRows(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToIcebergSuccessfulRows', true);
    return this.metric('DeliveryToIceberg.SuccessfulRowCount', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Rows that could not be written to the Iceberg table and went to the error output
   * (`DeliveryToIceberg.FailedRowCount`): records that do not match the table, after the
   * retries. Iceberg tables only.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricDeliveryToIcebergFailedRows(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.assertDestination('metricDeliveryToIcebergFailedRows', true);
    return this.metric('DeliveryToIceberg.FailedRowCount', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  private assertDestination(method: string, iceberg: boolean): void {
    if (this.writesIceberg === iceberg) return;
    throwIfAny(this, [
      iceberg
        ? `${method}() is a metric of the Iceberg destination, got a delivery into S3 objects: use the DeliveryToS3 metrics`
        : `${method}() is a metric of S3 object delivery, got a delivery into an Iceberg table: use the DeliveryToIceberg metrics (e.g. metricDeliveryToIcebergDataFreshness())`,
    ]);
  }

  /** The processor buffer in MB: the one given (checked) or the largest safe one. */
  private processorBuffer(problems: string[], smallest: Size, given?: Size): number | undefined {
    if (smallest.isUnresolved()) return given ? given.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : 1;
    const recordBytes = smallest.toBytes({ rounding: SizeRoundingBehavior.NONE });
    if (!(recordBytes > 0) || recordBytes > MIB) {
      problems.push(`smallestRecordSize must be from 1 byte to 1 MiB (the Kinesis record limit), got ${recordBytes} bytes: e.g. Size.bytes(100)`);
      return undefined;
    }
    // A request carries each record base64-encoded (4/3) plus its metadata.
    const safeMb = Math.floor((LAMBDA_PAYLOAD_BYTES / (4 / 3 + REQUEST_OVERHEAD_BYTES / recordBytes) / MIB) * 10) / 10;
    if (given === undefined) {
      if (safeMb < MIN_PROCESSOR_MB) {
        problems.push(
          `smallestRecordSize ${recordBytes} bytes is too small for a Lambda processor: even the smallest buffer (0.2 MB) could exceed Lambda's 6 MB request limit with Kinesis metadata; use NewlineStrategy.appendDelimiter()`,
        );
        return undefined;
      }
      return Math.min(MAX_PROCESSOR_MB, safeMb);
    }
    if (given.isUnresolved()) return given.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    const mb = given.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (mb < MIN_PROCESSOR_MB || mb > MAX_PROCESSOR_MB) {
      problems.push(`processorBufferSize must be from 0.2 to 3 MB, got ${round2(mb)} MB: e.g. Size.kibibytes(512)`);
    } else if (mb > safeMb) {
      problems.push(
        `processorBufferSize ${round2(mb)} MB can exceed Lambda's 6 MB request limit with records of ${recordBytes} bytes and their Kinesis metadata: use at most ${safeMb} MB, or raise smallestRecordSize if your records are larger`,
      );
    }
    return round2(mb);
  }

  /**
   * The bundled newline function: one per stack, shared by every delivery stream in it. Its log
   * group is encrypted with the log key of the first delivery stream that uses it.
   */
  private bundledFunction(logKey: kms.IKey): lambda.IFunction {
    const stack = Stack.of(this);
    const id = 'NewlineTransformFunction5c1b3b3a';
    const existing = stack.node.tryFindChild(id) as lambda.IFunction | undefined;
    if (existing) return existing;
    const { logGroup } = encryptedLogGroup(stack, `${id}Logs`, {
      prefix: '/aws/lambda/',
      name: `${Names.uniqueResourceName(stack, { maxLength: 200, separator: '-' })}-newline-transform`,
      key: logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      sid: `AllowLogs${id}`,
      warningId: 'cdk-serverless-data-lake:NewlineTransformFirehose.functionKeyPolicy',
    });
    const role = new iam.Role(stack, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Newline transform of the Firehose delivery streams of this stack: writes its own logs only',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    acknowledgeWildcardResources(role, [logGroup.logGroupArn], 'The function writes to the streams of its own log group only; Lambda names them at run time');
    return new NewlineTransformFunction(stack, id, {
      description: 'Appends a newline to each Firehose record that lacks one (cdk-serverless-data-lake)',
      role,
      logGroup,
      memorySize: 256,
      timeout: Duration.minutes(1),
    });
  }
}

/**
 * The Lambda processor with a buffer in fractions of a MB (the L2 processor only renders whole
 * MiB) and the role's permissions granted by the construct.
 */
class LambdaProcessor implements firehose.IDataProcessor {
  public readonly props: firehose.DataProcessorProps = {};

  public constructor(
    private readonly fn: lambda.IFunction,
    private readonly role: iam.IRole,
    private readonly bufferMb: number,
    private readonly interval: Duration,
    private readonly retries: number,
  ) {}

  public bind(): firehose.DataProcessorConfig {
    const identifier = { parameterName: 'LambdaArn', parameterValue: this.fn.functionArn };
    return {
      processorType: 'Lambda',
      processorIdentifier: identifier,
      parameters: [
        identifier,
        { parameterName: 'RoleArn', parameterValue: this.role.roleArn },
        { parameterName: 'BufferSizeInMBs', parameterValue: `${this.bufferMb}` },
        { parameterName: 'BufferIntervalInSeconds', parameterValue: `${this.interval.toSeconds()}` },
        { parameterName: 'NumberOfRetries', parameterValue: `${this.retries}` },
      ],
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function intervalProblems(problems: string[], prop: string, d: Duration): void {
  if (d.isUnresolved()) return;
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_INTERVAL_SECONDS) {
    problems.push(`${prop} must be a whole number of seconds from 0 to ${MAX_INTERVAL_SECONDS}, got ${seconds} seconds: e.g. Duration.seconds(300)`);
  }
}

function bufferProblems(problems: string[], prop: string, size: Size, minMib: number, parquet: boolean): void {
  if (size.isUnresolved()) return;
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(mib) || mib < minMib || mib > MAX_BUFFER_MIB) {
    const why = parquet ? ' (Parquet conversion needs at least 64 MiB)' : '';
    problems.push(`${prop} must be a whole number of MiB from ${minMib} to ${MAX_BUFFER_MIB}${why}, got ${round2(mib)} MiB: e.g. Size.mebibytes(128)`);
  }
}

/** The ID of the mapping aws-cdk-lib's `DeliveryStream` adds to its stack (once per stack). */
const FIREHOSE_CIDR_MAPPING_ID = '@aws-cdk/aws-kinesisfirehose.CidrBlocks';
/** The stacks whose mapping is already handled (one per stack, however many delivery streams). */
const handledStacks = new WeakSet<Stack>();

/**
 * aws-cdk-lib's `DeliveryStream` adds a region-to-CIDR mapping to every stack it is in, for the
 * security groups of VPC destinations; a delivery into S3 never reads it, so CDK's built-in
 * CloudFormation validation reports it unused (W7001) in every consumer app.
 *
 * The validation report attributes a mapping's finding to the stack (a mapping has no construct
 * path of its own in it), so the stack is the narrowest scope an acknowledgement can match. It is
 * made there, at synth (an aspect, once the app has built its tree), only if this mapping is the
 * stack's only one: then W7001 in that stack can only be about this mapping. A stack with
 * mappings of its own is left as it is, so that an unused mapping of the app's is still reported.
 */
function acknowledgeFirehoseCidrMapping(scope: Construct): void {
  const stack = Stack.of(scope);
  if (handledStacks.has(stack)) return;
  handledStacks.add(stack);
  Aspects.of(stack).add({
    visit(node: IConstruct): void {
      if (node !== stack) return;
      const mapping = stack.node.tryFindChild(FIREHOSE_CIDR_MAPPING_ID);
      if (!mapping) return;
      const others = stack.node.findAll().filter((c) => c !== mapping && c instanceof CfnMapping && Stack.of(c) === stack);
      if (others.length > 0) return;
      acknowledge(
        stack,
        'CloudFormation-Validate::W7001',
        'The stack\'s only mapping is awscdkawskinesisfirehoseCidrBlocks, which aws-cdk-lib\'s Firehose DeliveryStream adds for the security groups of VPC destinations; delivery into S3 never reads it',
      );
    },
  });
}

const MAX_ICEBERG_RETRY_SECONDS = 7200;

interface IcebergDeliveryOptions {
  readonly role: iam.IRole;
  readonly logGroup: logs.ILogGroup;
  readonly catalogArn: string;
  readonly databaseName: string;
  readonly uniqueKeys: string[];
  readonly processor?: firehose.DataProcessorConfig;
  readonly bufferingInterval: Duration;
  readonly bufferingSize: Size;
  readonly retryDuration: Duration;
}

/**
 * Whether the Glue table is an Iceberg table (one a `CrawledCatalog` declared, or one with an
 * `IcebergInput`), and its unique keys: the names of its schema's identifier fields.
 */
function icebergOfTable(stack: Stack, table: glue.CfnTable): { uniqueKeys: string[] } | undefined {
  const declared = declaredIcebergTable(table);
  if (declared) return declared;
  // A table of yours, declared with CfnTable props.
  const input = stack.resolve(table.openTableFormatInput) as
    | { icebergInput?: { icebergTableInput?: { schema?: { fields?: Array<{ id: number; name: string }>; identifierFieldIds?: number[] } } } }
    | undefined;
  if (!input?.icebergInput) return undefined;
  const schema = input.icebergInput.icebergTableInput?.schema;
  const ids = schema?.identifierFieldIds ?? [];
  const names = ids.map((id) => schema?.fields?.find((f) => f.id === id)?.name).filter((n): n is string => n !== undefined);
  return { uniqueKeys: names };
}
