import { Annotations, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ShardCalculator, ShardCalculatorProps, ShardEstimate } from './shard-calculator';
import { acknowledge, acknowledgeGrantWildcards } from '../private/acknowledge';
import { rejectWithExisting, throwIfAny } from '../private/errors';

/**
 * How much throughput the stream has: on-demand, a fixed number of shards, or a number of
 * shards sized from the expected load.
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
 */
export class StreamCapacity {
  /**
   * On-demand mode: Kinesis scales the shards with the traffic (up to 200 MiB/s of writes by
   * default). Costs more than one provisioned shard at low, steady volume.
   */
  public static onDemand(): StreamCapacity {
    return new StreamCapacity(kinesis.StreamMode.ON_DEMAND);
  }

  /**
   * Provisioned mode with a fixed number of shards: 1 MiB/s or 1,000 records/s of writes and
   * 2 MiB/s of reads each.
   *
   * @param shardCount at least 1
   */
  public static shards(shardCount: number): StreamCapacity {
    return new StreamCapacity(kinesis.StreamMode.PROVISIONED, shardCount);
  }

  /**
   * Provisioned mode, with the shard count computed by `ShardCalculator` from the expected
   * load. The estimate, with its reason, is available as `StreamIngest.shardEstimate`.
   */
  public static fromThroughput(props: ShardCalculatorProps): StreamCapacity {
    const estimate = ShardCalculator.calculate(props);
    return new StreamCapacity(kinesis.StreamMode.PROVISIONED, estimate.shardCount, estimate);
  }

  /** The Kinesis capacity mode. */
  public readonly mode: kinesis.StreamMode;

  /**
   * The number of shards in provisioned mode.
   *
   * @default - none: on-demand mode
   */
  public readonly shardCount?: number;

  /**
   * How the shard count was computed, when it came from `fromThroughput`.
   *
   * @default - none: the capacity was not computed
   */
  public readonly estimate?: ShardEstimate;

  private constructor(mode: kinesis.StreamMode, shardCount?: number, estimate?: ShardEstimate) {
    this.mode = mode;
    this.shardCount = shardCount;
    this.estimate = estimate;
  }
}

/**
 * The key that encrypts the records at rest in the stream.
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/what-is-sse.html
 */
export class IngestEncryption {
  /**
   * A customer-managed KMS key is defined for the stream, with yearly automatic rotation. Its
   * key policy is yours to audit, and CloudTrail shows every use of it.
   */
  public static customerManagedKey(): IngestEncryption {
    return new IngestEncryption('CUSTOMER_MANAGED');
  }

  /**
   * Your KMS key, e.g. the one key the whole lake shares. Grants extend to it.
   */
  public static key(key: kms.IKey): IngestEncryption {
    return new IngestEncryption('CUSTOMER_MANAGED', key);
  }

  /**
   * The AWS-managed key `alias/aws/kinesis`: no key to pay for or manage, but its policy
   * cannot be changed and it cannot be shared across accounts.
   */
  public static awsManagedKey(): IngestEncryption {
    return new IngestEncryption('AWS_MANAGED');
  }

  /** @internal */
  public readonly _kind: 'CUSTOMER_MANAGED' | 'AWS_MANAGED';

  /** @internal */
  public readonly _key?: kms.IKey;

  private constructor(kind: 'CUSTOMER_MANAGED' | 'AWS_MANAGED', key?: kms.IKey) {
    this._kind = kind;
    this._key = key;
  }
}

/**
 * Properties of a `StreamIngest`.
 */
export interface StreamIngestProps {
  /**
   * Your existing stream, to use instead of defining one.
   *
   * When given, the other props (which configure a new stream) must not be set. To let grants
   * cover your stream's KMS key, import it with `Stream.fromStreamAttributes` and its
   * `encryptionKey`.
   *
   * @default - a new stream is defined
   */
  readonly stream?: kinesis.IStream;

  /**
   * Name of the stream.
   *
   * 1 to 128 characters: letters, digits, `_`, `-` and `.`.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly streamName?: string;

  /**
   * The stream's capacity: on-demand, a fixed number of shards, or sized from the expected load.
   *
   * One provisioned shard takes 1 MiB/s or 1,000 records/s in and gives 2 MiB/s out: the
   * article's choice and the cheapest stream.
   *
   * @default StreamCapacity.shards(1)
   */
  readonly capacity?: StreamCapacity;

  /**
   * How long records stay readable in the stream: also how long a stalled delivery can
   * be replayed from it.
   *
   * Whole hours from 24 hours to 8760 hours (365 days). Above 24 hours Kinesis charges extended retention.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
   * @default Duration.hours(168)
   */
  readonly retentionPeriod?: Duration;

  /**
   * The key that encrypts records at rest.
   *
   * @default IngestEncryption.customerManagedKey()
   */
  readonly encryption?: IngestEncryption;

  /**
   * What happens to the stream and its key when they leave the stack.
   *
   * `RemovalPolicy.DESTROY` deletes the records still in the stream and is reported as a
   * warning. A deleted key is scheduled for deletion after the KMS waiting period.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

// Kinesis limits checked at synth:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kinesis-stream.html
const MIN_RETENTION_HOURS = 24;
const MAX_RETENTION_HOURS = 8760;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

// Exact actions, no wildcards: what a producer and a consumer of an encrypted stream need.
// https://docs.aws.amazon.com/streams/latest/dev/controlling-access.html
const WRITE_ACTIONS = ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'];
const READ_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];
// Enhanced fan-out: registering and listing consumers are actions on the stream; describing a
// consumer and subscribing to its shards are actions on the consumer
// (`<stream ARN>/consumer/<name>:<creation timestamp>`), not on the stream.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesis.html
// https://docs.aws.amazon.com/streams/latest/dev/building-enhanced-consumers-kcl.html
const FAN_OUT_STREAM_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:RegisterStreamConsumer', 'kinesis:ListStreamConsumers'];
const FAN_OUT_CONSUMER_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'];
const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/**
 * The entry of the lake: a Kinesis data stream that producers write to, encrypted with KMS
 * and kept when the stack is deleted.
 *
 * Defines (unless you bring your stream):
 * - a Kinesis data stream (`stream`), one provisioned shard, 168-hour retention
 * - a KMS key with rotation (`encryptionKey`), unless you choose another key
 *
 * @example
 * const ingest = new StreamIngest(this, 'Ingest', {
 *   capacity: StreamCapacity.fromThroughput({ recordsPerSecond: 2500, averageRecordSize: Size.kibibytes(1) }),
 * });
 * declare const producer: iam.IRole;
 * ingest.grantWrite(producer);
 */
export class StreamIngest extends Construct {
  /** The stream producers write to. */
  public readonly stream: kinesis.IStream;

  /**
   * The key that encrypts the stream.
   *
   * @default - none when the stream uses the AWS-managed key, or is yours and imported without its key
   */
  public readonly encryptionKey?: kms.IKey;

  /**
   * How the shard count was computed, when the capacity came from `StreamCapacity.fromThroughput`.
   *
   * @default - none
   */
  public readonly shardEstimate?: ShardEstimate;

  /**
   * How long the stream keeps records: what an iterator-age alarm is derived from.
   *
   * @default - unknown when the stream is yours and imported
   */
  public readonly retentionPeriod?: Duration;

  public constructor(scope: Construct, id: string, props: StreamIngestProps = {}) {
    super(scope, id);

    if (props.stream) {
      rejectWithExisting(this, props, ['streamName', 'capacity', 'retentionPeriod', 'encryption', 'removalPolicy'], 'stream', 'stream');
      this.stream = props.stream;
      this.encryptionKey = props.stream.encryptionKey;
      return;
    }

    const capacity = props.capacity ?? StreamCapacity.shards(1);
    const retentionPeriod = props.retentionPeriod ?? Duration.hours(168);
    const encryption = props.encryption ?? IngestEncryption.customerManagedKey();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.validate(props.streamName, capacity, retentionPeriod);
    this.retentionPeriod = retentionPeriod;

    let encryptionKey: kms.IKey | undefined;
    if (encryption._kind === 'CUSTOMER_MANAGED') {
      encryptionKey =
        encryption._key ??
        new kms.Key(this, 'Key', {
          description: `Encrypts the Kinesis data stream ${this.node.path}`,
          enableKeyRotation: true,
          removalPolicy,
        });
    }

    const stream = new kinesis.Stream(this, 'Resource', {
      streamName: props.streamName,
      streamMode: capacity.mode,
      shardCount: capacity.mode === kinesis.StreamMode.PROVISIONED ? capacity.shardCount : undefined,
      retentionPeriod,
      encryption: encryptionKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
      encryptionKey,
      removalPolicy,
    });

    if (encryptionKey) {
      // AwsSolutions-KDS3 asks for the AWS-managed key alias/aws/kinesis. A customer-managed key
      // is the stronger choice this library makes on purpose.
      acknowledge(
        stream,
        'AwsSolutions-KDS3',
        'The stream is encrypted with a customer-managed KMS key on purpose: its key policy can be audited and restricted, it rotates yearly, and one key can serve the whole lake; IngestEncryption.awsManagedKey() selects alias/aws/kinesis instead',
      );
    }
    if (removalPolicy === RemovalPolicy.DESTROY) {
      Annotations.of(this).addWarningV2(
        'cdk-serverless-data-lake:StreamIngest.removalPolicyDestroy',
        'removalPolicy is RemovalPolicy.DESTROY: deleting the stack deletes the stream and every record not yet delivered; use RemovalPolicy.RETAIN outside throwaway environments',
      );
    }

    this.stream = stream;
    this.encryptionKey = encryptionKey;
    this.shardEstimate = capacity.estimate;
  }

  /**
   * Lets the grantee put records into the stream (`PutRecord`, `PutRecords`, and `ListShards`
   * to map keys to shards) and generate data keys with the stream's KMS key, which is all a
   * producer of an encrypted stream needs. Grants no read and no decrypt.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stream.grant(grantee, ...WRITE_ACTIONS);
    return this.encryptionKey ? grant.combine(this.encryptionKey.grant(grantee, 'kms:GenerateDataKey')) : grant;
  }

  /**
   * Lets the grantee read records from the stream by polling (shard listing and iterators,
   * `GetRecords`, describe calls: what a Lambda event source mapping, Firehose or KCL without
   * fan-out uses) and decrypt with the stream's KMS key. Grants no write and no enhanced fan-out:
   * use `grantReadFanOut` for a dedicated-throughput consumer.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stream.grant(grantee, ...READ_ACTIONS);
    return this.encryptionKey ? grant.combine(this.encryptionKey.grant(grantee, 'kms:Decrypt')) : grant;
  }

  /**
   * Lets the grantee read the stream through enhanced fan-out (a consumer with its own 2 MiB/s
   * per shard): register and list consumers on the stream, describe the consumer and subscribe
   * to its shards (`DescribeStreamConsumer` and `SubscribeToShard` apply to the consumer's ARN,
   * `<stream ARN>/consumer/<name>:<timestamp>`, not to the stream), list shards, and decrypt with
   * the stream's KMS key. This is what KCL 2.x and a Lambda event source mapping with a consumer
   * need. Grants no write and no deregistration.
   *
   * @param consumerName the consumer the grantee registers and reads as (KCL uses its
   * application name); 1 to 128 letters, digits, `_`, `-` or `.`
   * @see https://docs.aws.amazon.com/streams/latest/dev/building-enhanced-consumers-kcl.html
   */
  public grantReadFanOut(grantee: iam.IGrantable, consumerName: string): iam.Grant {
    if (!Token.isUnresolved(consumerName) && !CONSUMER_NAME.test(consumerName)) {
      throwIfAny(this, [
        `consumerName of grantReadFanOut must be 1 to 128 letters, digits, '_', '-' or '.', got '${consumerName}': e.g. the KCL application name`,
      ]);
    }
    const consumerArn = `${this.stream.streamArn}/consumer/${consumerName}:*`;
    const onStream = this.stream.grant(grantee, ...FAN_OUT_STREAM_ACTIONS);
    const onConsumer = iam.Grant.addToPrincipal({ grantee, actions: FAN_OUT_CONSUMER_ACTIONS, resourceArns: [consumerArn] });
    acknowledgeGrantWildcards(
      grantee,
      [consumerArn],
      `A stream consumer's ARN ends with the time it was registered, known only once it exists: the grant names the consumer '${consumerName}' of this stream and leaves only that timestamp open`,
    );
    const grant = onStream.combine(onConsumer);
    return this.encryptionKey ? grant.combine(this.encryptionKey.grant(grantee, 'kms:Decrypt')) : grant;
  }

  /**
   * Any metric of the stream in the `AWS/Kinesis` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metric(metricName, props);
  }

  /**
   * Records put into the stream (`IncomingRecords`).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricIncomingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Bytes put into the stream (`IncomingBytes`).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricIncomingBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingBytes', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Age of the oldest record read by GetRecords (`GetRecords.IteratorAgeMilliseconds`): how far
   * the consumers, Firehose among them, lag behind. Alarm well before the retention period.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricGetRecordsIteratorAgeMilliseconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('GetRecords.IteratorAgeMilliseconds', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Records rejected because the shards were at their write limit
   * (`WriteProvisionedThroughputExceeded`): more shards are needed.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricWriteProvisionedThroughputExceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('WriteProvisionedThroughputExceeded', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Records that failed inside PutRecords calls because of internal errors
   * (`PutRecords.FailedRecords`); producers must retry them.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricPutRecordsFailedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('PutRecords.FailedRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  private validate(streamName: string | undefined, capacity: StreamCapacity, retentionPeriod: Duration): void {
    const problems: string[] = [];

    // AWS::Kinesis::Stream Name: pattern [a-zA-Z0-9_.-]+, 1-128 characters.
    if (streamName !== undefined && !Token.isUnresolved(streamName) && !STREAM_NAME.test(streamName)) {
      problems.push(
        `streamName must be 1 to 128 letters, digits, '_', '-' or '.', got '${streamName}': rename the stream or leave streamName unset to let CloudFormation name it`,
      );
    }

    // AWS::Kinesis::Stream ShardCount: minimum 1.
    const shardCount = capacity.shardCount;
    if (capacity.mode === kinesis.StreamMode.PROVISIONED && shardCount !== undefined && !Token.isUnresolved(shardCount)) {
      if (!Number.isInteger(shardCount) || shardCount < 1) {
        problems.push(
          `capacity must have a whole number of shards of at least 1, got ${shardCount}: use StreamCapacity.shards(1) or more, or StreamCapacity.onDemand()`,
        );
      }
    }

    // AWS::Kinesis::Stream RetentionPeriodHours: 24 to 8760.
    if (!retentionPeriod.isUnresolved()) {
      const hours = retentionPeriod.toHours({ integral: false });
      if (!Number.isInteger(hours) || hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
        problems.push(
          `retentionPeriod must be a whole number of hours from ${MIN_RETENTION_HOURS} to ${MAX_RETENTION_HOURS}, got ${hours} hours: use e.g. Duration.hours(168) or Duration.days(7)`,
        );
      }
    }

    throwIfAny(this, problems);
  }
}
