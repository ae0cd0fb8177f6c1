import { Annotations, Duration, Names, Size, SizeRoundingBehavior, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ProducerFunction } from './producer-function';
import { PRODUCER_METRICS, PRODUCER_NAMESPACE } from './producer-metrics';
import { isKnownTimeZone, replayProblems, TablePrefixTemplates } from './replay-prefixes';
import { PartitionLayout } from '../layout/partition-layout';
import { acknowledge, acknowledgeGrantWildcards } from '../private/acknowledge';
import { sendsToEventBridge } from '../private/bucket-notifications';
import { throwIfAny } from '../private/errors';
import { encryptedLogGroup } from '../private/log-groups';
import { nameProblem } from '../private/names';

/**
 * Objects under one prefix of a bucket: what a trigger reads.
 */
export interface LandingObjects {
  /** The bucket the objects are in: the lake bucket or another one. */
  readonly bucket: s3.IBucket;

  /**
   * The key prefix the objects are under, ending with `/` (e.g. `landing/clicks/`). The producer
   * may read these objects and no others of the bucket.
   */
  readonly prefix: string;
}

/**
 * Options of a scheduled trigger.
 */
export interface ScheduleTriggerOptions {
  /**
   * The objects each run reads: those under the prefix last modified within `window` before the
   * run's scheduled time. Needed by the bundled producer; optional with your own, which then
   * receives this as its payload (or the scheduled event itself without it).
   *
   * @default - none: your producer receives the scheduled event
   */
  readonly objects?: LandingObjects;

  /**
   * How far back each run looks, by the objects' last-modified time. At least the time between
   * runs, so that no object falls between two windows; more makes consecutive runs read the same
   * objects again. Needed with a `cron` schedule.
   *
   * @default - the rate of a `rate` schedule
   */
  readonly window?: Duration;
}

/**
 * Options of a direct-invoke trigger.
 */
export interface DirectInvokeTriggerOptions {
  /**
   * The objects a direct invoke may name: the producer may read these and no others of the
   * bucket. Needed by the bundled producer unless it only replays (`replay`).
   *
   * @default - none: only replays, when configured
   */
  readonly objects?: LandingObjects;
}

/**
 * What invokes the producer.
 */
export class BatchTriggerSource {
  /**
   * An EventBridge schedule (`rate(…)` or `cron(…)`, UTC, at most once a minute), validated at
   * synth.
   */
  public static schedule(schedule: events.Schedule, options: ScheduleTriggerOptions = {}): BatchTriggerSource {
    return new BatchTriggerSource('SCHEDULE', options.objects, schedule, options.window);
  }

  /**
   * S3 `Object Created` events of objects under a prefix, through EventBridge: the bucket must
   * send its events to EventBridge (`eventBridgeEnabled`). Failed deliveries are retried for 24
   * hours, then kept in the dead-letter queue.
   */
  public static s3Objects(objects: LandingObjects): BatchTriggerSource {
    return new BatchTriggerSource('S3', objects);
  }

  /**
   * Nothing invokes the producer but you (`aws lambda invoke`, a Step Functions task, a replay).
   *
   * The objects come in an options struct, as with `schedule`, so that every binding can leave
   * them out: Python lifts a struct parameter's fields into keyword arguments, and required ones
   * (`LandingObjects.bucket`, `prefix`) would make `direct_invoke()` impossible to call.
   */
  public static directInvoke(options: DirectInvokeTriggerOptions = {}): BatchTriggerSource {
    return new BatchTriggerSource('DIRECT', options.objects);
  }

  /** @internal */
  public readonly _kind: 'SCHEDULE' | 'S3' | 'DIRECT';

  /** @internal */
  public readonly _objects?: LandingObjects;

  /** @internal */
  public readonly _schedule?: events.Schedule;

  /** @internal */
  public readonly _window?: Duration;

  private constructor(kind: 'SCHEDULE' | 'S3' | 'DIRECT', objects?: LandingObjects, schedule?: events.Schedule, window?: Duration) {
    this._kind = kind;
    this._objects = objects;
    this._schedule = schedule;
    this._window = window;
  }
}

/**
 * Options of the bundled producer.
 */
export interface BundledProducerOptions {
  /**
   * Dot-separated path of the JSON field whose value is each record's partition key (e.g.
   * `user_id` or `device.id`): records with the same value go to the same shard, in order. A
   * record without it (or with a value that is not a string, number or boolean of 1 to 256
   * characters) gets a random key.
   *
   * @default - a random partition key per record (even spread over the shards)
   */
  readonly partitionKeyField?: string;

  /**
   * Memory of the function: also its CPU share (1,769 MiB is one vCPU). Memory use is bounded
   * (one record, one batch of at most 5 MiB, a few stream chunks) whatever the object's size.
   *
   * @default Size.mebibytes(1024)
   */
  readonly memorySize?: Size;

  /**
   * How long one invocation runs. Before it ends the producer stops, flushes and continues in a
   * new invocation from where it stopped (a byte offset), so objects of any size are read
   * completely. From 1 to 15 minutes.
   *
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * Concurrency reserved for, and the limit of, the producer.
   *
   * A producer sends its batches one after the other: one invocation alone can fill a few shards
   * (a provisioned shard takes 1,000 records or 1 MiB per second). Many objects arriving at once
   * start as many producers; throttled entries are retried with backoff, and dead-lettered only
   * after `maxAttempts`, so a burst slows down rather than loses records, but a limit about the
   * stream's shard count keeps retries (and their cost) down. Reserving concurrency takes it from
   * the account's unreserved pool, which must keep at least 100.
   *
   * @default - no reservation: the producer scales with the events, within the account's limit
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Attempts per record, the first included, before a record that keeps failing (throttled or an
   * internal failure) goes to the dead-letter queue. From 1 to 100.
   *
   * @default 10
   */
  readonly maxAttempts?: number;

  /**
   * How long the producer's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The KMS key that encrypts the producer's log group. A statement letting CloudWatch Logs use
   * it for this log group is added to its key policy when the key is defined in this app.
   *
   * @default - the stream's key when it has one, else a key is defined
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Who puts the records: the bundled producer, or your function.
 */
export class BatchProducer {
  /**
   * The producer this library ships: reads newline-delimited JSON, concatenated JSON and
   * Firehose error output (GZIP or not) in bounded memory and puts it with `PutRecords`, retrying
   * failed entries, with a dead-letter queue; the only producer that can replay.
   */
  public static bundled(options: BundledProducerOptions = {}): BatchProducer {
    return new BatchProducer(options, undefined);
  }

  /**
   * Your function. It is granted `PutRecord`, `PutRecords` and `ListShards` on the stream (and
   * `GenerateDataKey` with its key), read access to the trigger's objects, and is given the
   * stream's name in `STREAM_NAME` when it is a `lambda.Function` of this app.
   */
  public static fromFunction(fn: lambda.IFunction): BatchProducer {
    return new BatchProducer(undefined, fn);
  }

  /** @internal */
  public readonly _bundled?: BundledProducerOptions;

  /** @internal */
  public readonly _function?: lambda.IFunction;

  private constructor(bundled: BundledProducerOptions | undefined, fn: lambda.IFunction | undefined) {
    this._bundled = bundled;
    this._function = fn;
  }
}

/**
 * Which output of a table a replay reads.
 */
export class ReplaySource {
  /**
   * The raw backup: every record as Firehose received it (concatenated, GZIP), under the
   * layout's `backupPrefix(table)`.
   */
  public static readonly RAW_BACKUP = new ReplaySource('raw');

  /**
   * The error output: the records Firehose could not process or convert, under the layout's
   * `errorPrefix(table)` (`processing-failed` and `format-conversion-failed`); each record's
   * original data (`rawData`) is put again.
   */
  public static readonly ERROR_OUTPUT = new ReplaySource('errors');

  /** The name the producer's payload uses (`raw` or `errors`). */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * Where replays read: the lake's raw backups and error output.
 */
export interface ReplayOptions {
  /** The lake bucket (e.g. `PartitionedParquetLake.bucket`). */
  readonly bucket: s3.IBucket;

  /** The lake's layout (e.g. `PartitionedParquetLake.layout`): the keys of each period come from it. */
  readonly layout: PartitionLayout;

  /** The tables that may be replayed; the producer may read their raw backups and error output only. */
  readonly tables: string[];

  /**
   * The time zone of the delivery streams' prefixes (`NewlineTransformFirehose` `timeZone`).
   *
   * @default TimeZone.of('UTC')
   */
  readonly timeZone?: TimeZone;
}

/**
 * A replay of a table's records over a time range.
 */
export interface ReplayRequest {
  /** One of the replay tables. */
  readonly table: string;

  /**
   * Start of the range, inclusive. Required (or the deprecated `from`).
   *
   * @default - none: give start (or from)
   */
  readonly start?: Date;

  /**
   * End of the range, exclusive. Required (or the deprecated `to`).
   *
   * @default - none: give end (or to)
   */
  readonly end?: Date;

  /**
   * Start of the range, inclusive.
   *
   * @default - none: give start
   * @deprecated use start: `from` is a Python keyword, so Python sees this property as `from_`
   */
  readonly from?: Date;

  /**
   * End of the range, exclusive.
   *
   * @default - none: give end
   * @deprecated use end, the counterpart of start
   */
  readonly to?: Date;

  /**
   * What is replayed.
   *
   * @default ReplaySource.RAW_BACKUP
   */
  readonly source?: ReplaySource;
}

/**
 * Properties of a `BatchTrigger`.
 */
export interface BatchTriggerProps {
  /** The stream the records go to (e.g. `StreamIngest.stream`). Grants extend to its KMS key. */
  readonly stream: kinesis.IStream;

  /** What invokes the producer: a schedule, S3 object-created events, or direct invokes. */
  readonly source: BatchTriggerSource;

  /**
   * Who puts the records.
   *
   * @default BatchProducer.bundled()
   */
  readonly producer?: BatchProducer;

  /**
   * Lets the bundled producer replay a time range of the raw backup or the error output of the
   * lake's tables (`replayPayload`). Only with the bundled producer.
   *
   * @default - no replays
   */
  readonly replay?: ReplayOptions;
}

// Lambda limits: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const MIN_MEMORY_MIB = 128;
const MAX_MEMORY_MIB = 10_240;
const MAX_TIMEOUT_SECONDS = 900;
const MAX_PREFIX_LENGTH = 1024;
const FIELD_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/**
 * Feeds batch files, scheduled loads and replays into the stream, so that the pipeline handles
 * them like live events, without losing a record.
 *
 * A trigger (an EventBridge schedule, S3 object-created events under a landing prefix, or direct
 * invokes) invokes a producer. The bundled producer reads each object as a stream (newline-
 * delimited JSON, concatenated JSON as in Firehose's raw backup, or Firehose error output; GZIP
 * detected by content), puts the records with `PutRecords` (at most 500 records and 5 MiB per
 * call), retries only the entries that failed, with exponential backoff and full jitter, and sends
 * what still fails to an encrypted dead-letter queue with the data and the object and offset it
 * came from. Delivery is at least once: give records an id and deduplicate downstream.
 *
 * Defines:
 * - the producer function (bundled: Node.js 24, a least-privilege role, a KMS-encrypted log group)
 * - an EventBridge rule for a schedule or S3 events
 * - a dead-letter queue (SQS-managed encryption, TLS only, 14 days)
 *
 * Direct-invoke payloads of the bundled producer:
 * - `{ "bucket": "<bucket>", "keys": ["<key>", …] }` (at most 100 keys)
 * - `{ "bucket": "<bucket>", "prefix": "<prefix>", "modifiedAfter": "<ISO 8601>", "modifiedBefore": "<ISO 8601>" }` (both times optional)
 * - `{ "replay": { "table": "<table>", "from": "<ISO 8601>", "to": "<ISO 8601>", "source": "raw" | "errors" } }`: see `replayPayload`
 *   (its `start` and `end` become the payload's `from` and `to`)
 *
 * The result (and the metrics) count records read, put, retried, dead-lettered, malformed and
 * oversized; every record read is either put or dead-lettered.
 *
 * @example
 * declare const lake: PartitionedParquetLake;
 * declare const ingest: StreamIngest;
 * const trigger = new BatchTrigger(this, 'Batch', {
 *   stream: ingest.stream,
 *   source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix: 'landing/clicks/' }),
 *   producer: BatchProducer.bundled({ partitionKeyField: 'user_id' }),
 *   replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks'] },
 * });
 * // aws lambda invoke --function-name <producer> --payload "$PAYLOAD" out.json
 * const payload = trigger.replayPayload({ table: 'clicks', start: new Date('2026-11-27T03:00:00Z'), end: new Date('2026-11-27T08:00:00Z') });
 */
export class BatchTrigger extends Construct {
  /** The function that puts the records: the bundled producer, or yours. */
  public readonly producer: lambda.IFunction;

  /**
   * Where records that could not be put (retries exhausted, over the record limit), invocations
   * that failed and trigger events that could not be delivered end up.
   */
  public readonly deadLetterQueue: sqs.IQueue;

  /**
   * The rule that invokes the producer.
   *
   * @default - none with `BatchTriggerSource.directInvoke()`
   */
  public readonly rule?: events.Rule;

  /**
   * The bundled producer's role.
   *
   * @default - none with your own producer
   */
  public readonly role?: iam.IRole;

  /**
   * The bundled producer's log group.
   *
   * @default - none with your own producer
   */
  public readonly logGroup?: logs.ILogGroup;

  /** The stream the records go to. */
  public readonly stream: kinesis.IStream;

  private readonly replayTables: string[];
  /** Whether the producer is the bundled one (its metrics exist), not your function. */
  public readonly usesBundledProducer: boolean;

  public constructor(scope: Construct, id: string, props: BatchTriggerProps) {
    super(scope, id);
    const producer = props.producer ?? BatchProducer.bundled();
    const options = producer._bundled;
    this.usesBundledProducer = options !== undefined;
    this.stream = props.stream;
    this.replayTables = props.replay?.tables ?? [];
    throwIfAny(this, this.problems(props, producer));

    const source = props.source;
    const objects = source._objects;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys (SSE-SQS): no key policy is needed for EventBridge and Lambda to send to
      // it, and the messages hold only records that were on their way to the stream.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the batch producer: it keeps the records and events that failed every retry');

    const readable: Array<{ bucket: s3.IBucket; prefix: string }> = [];
    if (objects) readable.push({ bucket: objects.bucket, prefix: objects.prefix });
    for (const table of this.replayTables) {
      readable.push({ bucket: props.replay!.bucket, prefix: `${props.replay!.layout.rawRoot()}${table}/` });
      readable.push({ bucket: props.replay!.bucket, prefix: `${props.replay!.layout.errorRoot()}${table}/` });
    }

    if (options) {
      const made = this.defineBundled(props, options, readable);
      this.producer = made.fn;
      this.role = made.role;
      this.logGroup = made.logGroup;
    } else {
      const fn = producer._function!;
      this.producer = fn;
      // To the function's role: a stream has no resource policy here to fall back on.
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards'], resourceArns: [props.stream.streamArn] });
      if (props.stream.encryptionKey) {
        iam.Grant.addToPrincipal({ grantee: fn, actions: ['kms:GenerateDataKey'], resourceArns: [props.stream.encryptionKey.keyArn] });
      }
      this.grantReads(fn, readable);
      if (fn instanceof lambda.Function) {
        fn.addEnvironment('STREAM_NAME', props.stream.streamName);
      } else {
        Annotations.of(this).addWarningV2(
          'cdk-serverless-data-lake:BatchTrigger.streamName',
          'producer is a function imported into this app, so its environment cannot be set: give it the stream\'s name (STREAM_NAME) where you define it',
        );
      }
    }

    this.rule = this.defineRule(source);
  }

  /**
   * The payload of a direct invoke of the bundled producer that replays a time range of a
   * table's raw backup or error output: `{"replay":{"table":…,"from":…,"to":…,"source":"raw"|"errors"}}`,
   * where the payload's `from` and `to` are the request's `start` and `end`.
   *
   * The producer computes the keys of each period overlapping `[start, end)` from the layout
   * (`backupPrefix(table)`, or `errorPrefix(table)` for each error type), lists them and puts
   * every record of every object it finds, whole periods at a time. Records of the raw backup
   * are the concatenated JSON values as producers sent them (payloads that are not JSON cannot be
   * split back apart and are reported as malformed); records of the error output are their
   * original data (`rawData`). A replay puts records a second time: deduplicate them downstream
   * by an id field.
   *
   * Invoke it with `aws lambda invoke --function-name <producer> --invocation-type Event --payload '<payload>' --cli-binary-format raw-in-base64-out out.json`.
   */
  public replayPayload(request: ReplayRequest): string {
    const problems: string[] = [];
    // start and end, or the deprecated from and to: one of each pair, not both. The messages
    // name each bound as the request gave it.
    const bound = (name: string, value: Date | undefined, deprecatedName: string, deprecated: Date | undefined, example: string) => {
      if (value !== undefined && deprecated !== undefined) {
        problems.push(`replayPayload() takes ${name} or the deprecated ${deprecatedName}, got both: drop ${deprecatedName}`);
      } else if (value === undefined && deprecated === undefined) {
        problems.push(`replayPayload() needs ${name}, got none: e.g. ${name}: new Date('${example}')`);
      }
      return { value: value ?? deprecated, name: value === undefined && deprecated !== undefined ? deprecatedName : name };
    };
    const { value: start, name: startName } = bound('start', request.start, 'from', request.from, '2026-11-27T03:00:00Z');
    const { value: end, name: endName } = bound('end', request.end, 'to', request.to, '2026-11-27T08:00:00Z');
    const names = { from: startName, to: endName };
    const instant = (d: Date | undefined) => (d === undefined ? undefined : Number.isNaN(d.getTime()) ? String(d) : d.toISOString());
    if (!this.usesBundledProducer || this.replayTables.length === 0) {
      problems.push(`replayPayload() needs the replay option, got ${this.usesBundledProducer ? 'no replay tables' : 'your own producer, which does not read this payload'}: set replay with the lake bucket, layout and tables on the bundled producer`);
    } else if (start !== undefined && end !== undefined) {
      const tables = Object.fromEntries(this.replayTables.map((t) => [t, { raw: '', errors: '' } as TablePrefixTemplates]));
      problems.push(...replayProblems({ tables }, { table: request.table, from: instant(start), to: instant(end) }, names));
    }
    throwIfAny(this, problems);
    return JSON.stringify({
      replay: {
        table: request.table,
        from: instant(start),
        to: instant(end),
        source: (request.source ?? ReplaySource.RAW_BACKUP).name,
      },
    });
  }

  /**
   * Records the bundled producer read from objects (sum over the period). Namespace
   * `cdk-serverless-data-lake/BatchProducer`, dimension `FunctionName`.
   *
   * @default - sum over 5 minutes
   */
  public metricRecordsRead(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricRecordsRead', PRODUCER_METRICS.recordsRead, props);
  }

  /**
   * Records Kinesis acknowledged (sum over the period).
   *
   * @default - sum over 5 minutes
   */
  public metricRecordsPut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricRecordsPut', PRODUCER_METRICS.recordsPut, props);
  }

  /**
   * Entries sent again after a partial failure or throttling (sum over the period): a steady
   * value means the stream needs more shards, or the producer less concurrency.
   *
   * @default - sum over 5 minutes
   */
  public metricRecordsRetried(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricRecordsRetried', PRODUCER_METRICS.recordsRetried, props);
  }

  /**
   * Records written to the dead-letter queue (sum over the period): alarm on any.
   *
   * @default - sum over 5 minutes
   */
  public metricRecordsDeadLettered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricRecordsDeadLettered', PRODUCER_METRICS.recordsDeadLettered, props);
  }

  /**
   * Spans of objects that are not JSON values, reported in the logs with object and offset and
   * not sent (sum over the period).
   *
   * @default - sum over 5 minutes
   */
  public metricMalformedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricMalformedRecords', PRODUCER_METRICS.malformedRecords, props);
  }

  /**
   * Records over the Kinesis record limit of 1 MiB, dead-lettered by their position (sum over the period).
   *
   * @default - sum over 5 minutes
   */
  public metricOversizedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.producerMetric('metricOversizedRecords', PRODUCER_METRICS.oversizedRecords, props);
  }

  /**
   * Messages waiting in the dead-letter queue (`ApproximateNumberOfMessagesVisible`).
   *
   * @default - maximum over 5 minutes
   */
  public metricDeadLetterQueueMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  private producerMetric(method: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.usesBundledProducer) {
      throwIfAny(this, [
        `${method}() needs the bundled producer, got your own (BatchProducer.fromFunction), which publishes no such metric: use your function's own metrics, or BatchProducer.bundled()`,
      ]);
    }
    return new cloudwatch.Metric({
      namespace: PRODUCER_NAMESPACE,
      metricName,
      dimensionsMap: { FunctionName: this.producer.functionName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  private defineBundled(props: BatchTriggerProps, options: BundledProducerOptions, readable: Array<{ bucket: s3.IBucket; prefix: string }>) {
    const stack = Stack.of(this);
    const timeout = options.timeout ?? Duration.minutes(15);
    const key = options.logEncryptionKey ?? props.stream.encryptionKey ?? new kms.Key(this, 'LogsKey', {
      description: `Encrypts the batch producer logs of ${this.node.path}`,
      enableKeyRotation: true,
    });
    const { logGroup } = encryptedLogGroup(this, 'ProducerLogs', {
      prefix: '/aws/lambda/',
      name: `${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}-producer`,
      key,
      retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      sid: `AllowLogs${Names.uniqueId(this)}Producer`.slice(0, 100),
      warningId: 'cdk-serverless-data-lake:BatchTrigger.keyPolicy',
    });

    const role = new iam.Role(this, 'ProducerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Batch producer of ${this.node.path}: reads its landing and replay prefixes, puts into one stream, dead-letters into one queue`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    // PutRecords only: the producer neither lists shards nor puts single records.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }));
    if (props.stream.encryptionKey) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [props.stream.encryptionKey.keyArn] }));
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    this.grantReads(role, readable);

    const replay = props.replay;
    const replayConfig = replay
      ? {
        bucket: replay.bucket.bucketName,
        timeZone: replay.timeZone?.timezoneName ?? 'UTC',
        tables: Object.fromEntries(replay.tables.map((t) => [t, { raw: replay.layout.backupPrefix(t), errors: replay.layout.errorPrefix(t) }])),
      }
      : undefined;
    const environment: Record<string, string> = {
      STREAM_NAME: props.stream.streamName,
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      MAX_ATTEMPTS: String(options.maxAttempts ?? 10),
      // Stop with a quarter of the time left, at most a minute: enough for the last batch's retries.
      CONTINUE_BEFORE_MS: String(Math.min(60_000, Math.floor((timeout.toMilliseconds() / 4)))),
      READABLE: stack.toJsonString(readable.map((r) => ({ bucket: r.bucket.bucketName, prefix: r.prefix }))),
    };
    if (options.partitionKeyField !== undefined) environment.PARTITION_KEY_FIELD = options.partitionKeyField;
    if (replayConfig) environment.REPLAY = stack.toJsonString(replayConfig);

    const fn = new ProducerFunction(this, 'Producer', {
      description: `Puts batch files and replays into the stream (${this.node.path})`,
      role,
      logGroup,
      timeout,
      memorySize: (options.memorySize ?? Size.mebibytes(1024)).toMebibytes(),
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      environment,
      retryAttempts: 2,
      onFailure: new lambdaDestinations.SqsDestination(this.deadLetterQueue),
    });
    // Continuations: the producer invokes itself, asynchronously, with where it stopped. A policy
    // of its own, not the role's default policy, which the function depends on (a cycle).
    new iam.Policy(this, 'ContinuationPolicy', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
    });
    return { fn: fn as lambda.IFunction, role: role as iam.IRole, logGroup: logGroup as logs.ILogGroup };
  }

  /** Get the objects under each prefix, list those prefixes only, decrypt with the bucket's key. */
  private grantReads(grantee: iam.IGrantable, readable: Array<{ bucket: s3.IBucket; prefix: string }>): void {
    const buckets = [...new Set(readable.map((r) => r.bucket))];
    for (const bucket of buckets) {
      const prefixes = readable.filter((r) => r.bucket === bucket).map((r) => r.prefix);
      const objects = prefixes.map((p) => bucket.arnForObjects(`${p}*`));
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: objects });
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p, `${p}*`]) } },
      });
      if (bucket.encryptionKey) iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [bucket.encryptionKey.keyArn] });
      acknowledgeGrantWildcards(grantee, objects, 'Reads are limited to the objects under the trigger\'s landing prefix and the replay tables\' raw-backup and error prefixes, whose keys are not known in advance');
    }
  }

  private defineRule(source: BatchTriggerSource): events.Rule | undefined {
    const objects = source._objects;
    const target = (input?: events.RuleTargetInput) => new targets.LambdaFunction(this.producer, {
      event: input,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    if (source._kind === 'S3') {
      const sends = sendsToEventBridge(objects!.bucket);
      if (sends === undefined) {
        Annotations.of(this).addWarningV2(
          'cdk-serverless-data-lake:BatchTrigger.eventBridge',
          'the trigger listens to EventBridge: make sure the imported bucket has EventBridge notifications turned on, or the producer is never invoked',
        );
      }
      return new events.Rule(this, 'ObjectCreated', {
        description: `New objects under ${objects!.prefix} for the batch producer (${this.node.path})`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [objects!.bucket.bucketName] }, object: { key: [{ prefix: objects!.prefix }] } },
        },
        targets: [target()],
      });
    }
    if (source._kind === 'SCHEDULE') {
      const input = objects
        ? events.RuleTargetInput.fromObject({
          bucket: objects.bucket.bucketName,
          prefix: objects.prefix,
          window: { end: events.EventField.time, seconds: windowOf(source)!.toSeconds() },
        })
        : undefined;
      return new events.Rule(this, 'Schedule', {
        description: `Scheduled batch load (${this.node.path})`,
        schedule: source._schedule!,
        targets: [target(input)],
      });
    }
    return undefined;
  }

  private problems(props: BatchTriggerProps, producer: BatchProducer): string[] {
    const problems: string[] = [];
    const source = props.source;
    const options = producer._bundled;
    const objects = source._objects;

    if (objects) problems.push(...prefixProblems(objects.prefix));
    if (source._kind === 'S3' && sendsToEventBridge(objects!.bucket) === false) {
      problems.push(
        'source BatchTriggerSource.s3Objects() needs EventBridge notifications on the bucket, got a bucket without them: set eventBridgeEnabled: true on the bucket (or on the PartitionedParquetLake)',
      );
    }
    if (source._kind === 'SCHEDULE') {
      const expression = source._schedule!.expressionString;
      if (!Token.isUnresolved(expression)) problems.push(...scheduleProblems(expression));
      if (options && !objects) {
        problems.push('source BatchTriggerSource.schedule() with the bundled producer needs objects (the bucket and prefix each run reads), got none: pass { objects: { bucket, prefix } }, or use your own producer (BatchProducer.fromFunction)');
      }
      const window = source._window;
      if (window !== undefined && !objects) {
        problems.push('source schedule window selects the objects each run reads, got a window without objects: remove window, or pass objects');
      }
      const rate = rateOf(expression);
      if (window !== undefined && !window.isUnresolved()) {
        const seconds = window.toSeconds({ integral: false });
        if (!Number.isInteger(seconds) || seconds < 60) {
          problems.push(`source schedule window must be a whole number of seconds of at least 60, got ${seconds} seconds: e.g. Duration.hours(1)`);
        } else if (rate !== undefined && seconds < rate) {
          problems.push(`source schedule window must be at least the time between runs (${rate} seconds), got ${seconds} seconds: objects modified between two windows would never be read; use Duration.seconds(${rate}) or more`);
        }
      }
      if (objects && window === undefined && expression.trim().startsWith('cron(')) {
        problems.push(`source schedule window is needed with a cron schedule, got none with '${expression}': pass the time between runs, e.g. window: Duration.hours(1)`);
      }
    }

    if (options) {
      const memory = options.memorySize;
      if (memory !== undefined && !memory.isUnresolved()) {
        const mib = memory.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
        if (!Number.isInteger(mib) || mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) {
          problems.push(`producer memorySize must be a whole number of MiB from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB}, got ${mib} MiB: e.g. Size.mebibytes(1024)`);
        }
      }
      const timeout = options.timeout;
      if (timeout !== undefined && !timeout.isUnresolved()) {
        const s = timeout.toSeconds({ integral: false });
        if (!Number.isInteger(s) || s < 60 || s > MAX_TIMEOUT_SECONDS) {
          problems.push(`producer timeout must be a whole number of seconds from 60 to ${MAX_TIMEOUT_SECONDS}, got ${s} seconds: the producer needs time to stop and continue; e.g. Duration.minutes(15)`);
        }
      }
      const reserved = options.reservedConcurrentExecutions;
      if (reserved !== undefined && !Token.isUnresolved(reserved) && (!Number.isInteger(reserved) || reserved < 1)) {
        problems.push(`producer reservedConcurrentExecutions must be a whole number of at least 1, got ${reserved}: 0 would stop every invocation; e.g. the stream's shard count, or leave it unset`);
      }
      const attempts = options.maxAttempts;
      if (attempts !== undefined && !Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)) {
        problems.push(`producer maxAttempts must be a whole number from 1 to 100, got ${attempts}: e.g. 10`);
      }
      const field = options.partitionKeyField;
      if (field !== undefined && !Token.isUnresolved(field) && !FIELD_PATH.test(field)) {
        problems.push(`producer partitionKeyField must be a field name or a dot-separated path of field names, got '${field}': e.g. 'user_id' or 'device.id'`);
      }
    }

    if (source._kind === 'DIRECT' && !objects && !props.replay) {
      problems.push('source BatchTriggerSource.directInvoke() without objects gives the producer nothing to read, got no objects and no replay: pass objects, or set replay');
    }
    const replay = props.replay;
    if (replay) {
      if (!options) {
        problems.push('replay works with the bundled producer only, got your own producer (BatchProducer.fromFunction), which does not read replay requests: remove replay, or use BatchProducer.bundled()');
      }
      if (replay.tables.length === 0) problems.push('replay tables must name at least one table, got none: e.g. [\'clicks\']');
      for (const table of replay.tables) {
        if (Token.isUnresolved(table)) continue;
        const p = nameProblem('replay table', table);
        if (p) problems.push(p);
      }
      const duplicates = replay.tables.filter((t, i) => replay.tables.indexOf(t) !== i);
      if (duplicates.length > 0) problems.push(`replay tables must not repeat a table, got ${replay.tables.join(', ')}: name each once`);
      const zone = replay.timeZone?.timezoneName;
      if (zone !== undefined && !Token.isUnresolved(zone) && !isKnownTimeZone(zone)) {
        problems.push(`replay timeZone must be an IANA time zone name, got '${zone}': use the delivery stream's timeZone, e.g. TimeZone.EUROPE_LONDON`);
      }
      if (objects && objects.bucket === replay.bucket && !Token.isUnresolved(objects.prefix)) {
        const reserved = [replay.layout.rawRoot(), replay.layout.errorRoot(), ...replay.tables.map((t) => replay.layout.tableRoot(t))];
        const clash = reserved.find((r) => objects.prefix.startsWith(r) || r.startsWith(objects.prefix));
        if (clash) {
          problems.push(
            `source objects prefix '${objects.prefix}' overlaps the lake's '${clash}' (raw backups, error output or table data): what the producer puts would come back as new objects to read; land batch files under a prefix of their own, e.g. 'landing/', and use replay for backups and errors`,
          );
        }
      }
    }
    return problems;
  }
}

/** The window of a scheduled trigger: the given one, or the rate. */
function windowOf(source: BatchTriggerSource): Duration | undefined {
  if (source._window) return source._window;
  const rate = rateOf(source._schedule!.expressionString);
  return rate !== undefined ? Duration.seconds(rate) : undefined;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };

/** The seconds between runs of a `rate(…)` expression, or undefined for anything else. */
function rateOf(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

/**
 * Problems with an EventBridge schedule expression: `rate(N unit)` with N >= 1 and the unit
 * singular exactly when N is 1, or `cron(…)` with 6 fields of which day-of-month or day-of-week
 * (exactly one) is `?`.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
function scheduleProblems(expression: string): string[] {
  const e = expression.trim();
  if (e.startsWith('rate(')) {
    const m = RATE.exec(e);
    if (!m) {
      return [`source schedule must be rate(<number> minute[s]|hour[s]|day[s]), got '${expression}': e.g. Schedule.rate(Duration.minutes(5))`];
    }
    const n = Number(m[1]);
    const singular = !m[2].endsWith('s');
    if (n < 1) return [`source schedule rate must be at least 1, got '${expression}': e.g. 'rate(1 minute)'`];
    if ((n === 1) !== singular) {
      return [`source schedule rate must use the singular unit for 1 and the plural otherwise, got '${expression}': e.g. 'rate(1 hour)' or 'rate(2 hours)'`];
    }
    return [];
  }
  const c = /^cron\((.*)\)$/.exec(e);
  if (c) {
    const fields = c[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return [`source schedule cron must have 6 fields (minutes hours day-of-month month day-of-week year, UTC), got ${fields.length} in '${expression}': e.g. 'cron(0 * * * ? *)'`];
    }
    if (fields.some((f) => !/^[0-9A-Za-z*?,/#LW-]+$/.test(f))) {
      return [`source schedule cron has a field EventBridge does not accept, got '${expression}': fields hold digits, names, '*', '?', ',', '-', '/', 'L', 'W' and '#'`];
    }
    const dom = fields[2] === '?';
    const dow = fields[4] === '?';
    if (dom === dow) {
      return [`source schedule cron must have '?' in exactly one of day-of-month and day-of-week, got '${fields[2]}' and '${fields[4]}' in '${expression}': e.g. 'cron(0 * * * ? *)'`];
    }
    return [];
  }
  return [`source schedule must be a rate(…) or cron(…) expression, got '${expression}': use Schedule.rate(…) or Schedule.cron(…)`];
}

/** Problems with a landing prefix. */
function prefixProblems(prefix: string): string[] {
  if (Token.isUnresolved(prefix)) return [];
  const problems: string[] = [];
  if (prefix === '') {
    problems.push('source objects prefix must not be empty, got \'\': the producer would read the whole bucket; use a prefix of its own, e.g. \'landing/\'');
    return problems;
  }
  if (prefix.startsWith('/')) problems.push(`source objects prefix must not start with '/', got '${prefix}': S3 keys have no leading slash; use '${prefix.replace(/^\/+/, '')}'`);
  if (!prefix.endsWith('/')) problems.push(`source objects prefix must end with '/', got '${prefix}': without it the producer could also read '${prefix}-other/…'; use '${prefix}/'`);
  if (/[*?]/.test(prefix)) problems.push(`source objects prefix must not contain '*' or '?', got '${prefix}': they are IAM wildcards and would widen what the producer may read`);
  if (prefix.includes('//')) problems.push(`source objects prefix must not contain '//', got '${prefix}': use '${prefix.replace(/\/{2,}/g, '/')}'`);
  if (prefix.length > MAX_PREFIX_LENGTH) problems.push(`source objects prefix must be at most ${MAX_PREFIX_LENGTH} characters (an S3 key), got ${prefix.length}`);
  return problems;
}
