import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PartitionLayout } from '../layout/partition-layout';
import { acknowledge } from '../private/acknowledge';
import { enableEventBridge } from '../private/bucket-notifications';
import { rejectWithExisting, throwIfAny } from '../private/errors';
import { tableNameProblems } from '../private/names';
import { grantTableRead, grantTableWrite } from '../private/table-grants';

/** Key prefix of the lake bucket's server access logs in the log bucket. */
const ACCESS_LOG_PREFIX = 'lake/';

/**
 * How objects in the lake bucket are encrypted at rest.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html
 */
export class LakeEncryption {
  /**
   * SSE-KMS with a new customer-managed key (yearly rotation) and an S3 Bucket Key, which
   * cuts KMS requests (and their cost) by orders of magnitude.
   */
  public static customerManagedKey(): LakeEncryption {
    return new LakeEncryption(s3.BucketEncryption.KMS);
  }

  /** SSE-KMS with your key (e.g. the one key the whole lake shares) and an S3 Bucket Key. */
  public static key(key: kms.IKey): LakeEncryption {
    return new LakeEncryption(s3.BucketEncryption.KMS, key);
  }

  /** SSE-KMS with the AWS-managed key `alias/aws/s3`: no key to manage, no key policy of yours. */
  public static awsManagedKey(): LakeEncryption {
    return new LakeEncryption(s3.BucketEncryption.KMS_MANAGED);
  }

  /** SSE-S3: keys owned and managed by S3, no KMS involved. */
  public static s3Managed(): LakeEncryption {
    return new LakeEncryption(s3.BucketEncryption.S3_MANAGED);
  }

  /** @internal */
  public readonly _encryption: s3.BucketEncryption;

  /** @internal */
  public readonly _key?: kms.IKey;

  private constructor(encryption: s3.BucketEncryption, key?: kms.IKey) {
    this._encryption = encryption;
    this._key = key;
  }
}

/**
 * Properties of a `PartitionedParquetLake`.
 */
export interface PartitionedParquetLakeProps {
  /**
   * Your existing lake bucket, to use instead of defining one.
   *
   * When given, the props that configure a new bucket must not be set; bucket settings,
   * lifecycle rules and access logs are yours to manage.
   *
   * @default - a new bucket is defined
   */
  readonly bucket?: s3.IBucket;

  /**
   * Name of the lake bucket.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly bucketName?: string;

  /**
   * How objects are encrypted at rest.
   *
   * @default LakeEncryption.customerManagedKey()
   */
  readonly encryption?: LakeEncryption;

  /**
   * The partition layout every table in the lake uses.
   *
   * @default PartitionLayout.hourly()
   */
  readonly layout?: PartitionLayout;

  /**
   * Whether to keep every version of every object, so overwrites and deletes can be undone.
   *
   * @default true
   */
  readonly versioned?: boolean;

  /**
   * Whether to record S3 server access logs of the lake bucket.
   *
   * @default true - logs go to `accessLogsBucket`, or to a bucket defined for them
   */
  readonly serverAccessLogs?: boolean;

  /**
   * Your bucket for the server access logs. It must accept S3 server access logs (SSE-S3
   * encryption, a bucket policy or ACL for the logging service).
   *
   * @default - a bucket is defined for them (SSE-S3, public access blocked, SSL enforced)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * How long S3 server access logs are kept in the bucket defined for them.
   *
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;

  /**
   * How long raw backups (the records as Firehose received them, under `raw/`) are kept: the
   * window in which they can be replayed.
   *
   * @default Duration.days(30)
   */
  readonly rawBackupExpiration?: Duration;

  /**
   * How long Firehose error output (under `errors/`) is kept for inspection and replay.
   *
   * @default Duration.days(90)
   */
  readonly errorOutputExpiration?: Duration;

  /**
   * How long overwritten or deleted object versions are kept (versioned buckets only).
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * After how long incomplete multipart uploads are aborted, so their parts stop costing.
   *
   * @default Duration.days(7)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;

  /**
   * Whether the lake bucket sends its events to Amazon EventBridge, which event-driven
   * partition registration (`PartitionDiscovery.eventDriven()`) listens to.
   *
   * It is turned on through aws-cdk-lib's `Custom::S3BucketNotifications` resource, the one
   * owner of the bucket's notification configuration, so that queue notifications added or
   * removed later (a crawler's S3 event queue) leave EventBridge delivery in place. That
   * resource replaces the bucket's whole notification configuration: add notifications with
   * `bucket.addEventNotification`, never outside CloudFormation.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;

  /**
   * What happens to the buckets and the key when they leave the stack.
   *
   * `RemovalPolicy.DESTROY` is honoured and reported as a warning; CloudFormation cannot
   * delete a bucket that still holds objects.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The S3 lake: one bucket holding every table's Parquet objects partitioned by
 * `PartitionLayout`, the raw backups and the error output, locked down and kept by default.
 *
 * Defines (unless you bring your bucket):
 * - the lake bucket (`bucket`): public access blocked, SSL enforced, versioned, SSE-KMS with an
 *   S3 Bucket Key, lifecycle rules for raw backups, error output, old versions and incomplete
 *   multipart uploads
 * - a KMS key with rotation (`encryptionKey`), unless you choose another encryption
 * - a bucket for server access logs (`accessLogsBucket`)
 *
 * @example
 * const lake = new PartitionedParquetLake(this, 'Lake');
 * lake.dataPrefix('clicks');   // clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/...
 * lake.tableLocation('clicks'); // s3://<bucket>/clicks/
 */
export class PartitionedParquetLake extends Construct {
  /** The lake bucket. */
  public readonly bucket: s3.IBucket;

  /**
   * The key that encrypts the lake bucket.
   *
   * @default - none with SSE-S3 or the AWS-managed key, or when your bucket has no key
   */
  public readonly encryptionKey?: kms.IKey;

  /**
   * The bucket that receives the lake bucket's server access logs.
   *
   * @default - none when access logs are off or the bucket is yours
   */
  public readonly accessLogsBucket?: s3.IBucket;

  /** The partition layout of every table in the lake. */
  public readonly layout: PartitionLayout;

  public constructor(scope: Construct, id: string, props: PartitionedParquetLakeProps = {}) {
    super(scope, id);
    this.layout = props.layout ?? PartitionLayout.hourly();

    if (props.bucket) {
      rejectWithExisting(this, props, [
        'bucketName',
        'encryption',
        'versioned',
        'serverAccessLogs',
        'accessLogsBucket',
        'accessLogsExpiration',
        'rawBackupExpiration',
        'errorOutputExpiration',
        'noncurrentVersionExpiration',
        'abortIncompleteMultipartUploadAfter',
        'eventBridgeEnabled',
        'removalPolicy',
      ], 'bucket', 'bucket');
      this.bucket = props.bucket;
      this.encryptionKey = props.bucket.encryptionKey;
      return;
    }

    const encryption = props.encryption ?? LakeEncryption.customerManagedKey();
    const versioned = props.versioned ?? true;
    const serverAccessLogs = props.serverAccessLogs ?? true;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const rawBackupExpiration = props.rawBackupExpiration ?? Duration.days(30);
    const errorOutputExpiration = props.errorOutputExpiration ?? Duration.days(90);
    const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(30);
    const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(7);
    const accessLogsExpiration = props.accessLogsExpiration ?? Duration.days(365);

    const problems: string[] = [];
    wholeDays(problems, 'rawBackupExpiration', rawBackupExpiration);
    wholeDays(problems, 'errorOutputExpiration', errorOutputExpiration);
    wholeDays(problems, 'noncurrentVersionExpiration', noncurrentVersionExpiration);
    wholeDays(problems, 'abortIncompleteMultipartUploadAfter', abortAfter);
    wholeDays(problems, 'accessLogsExpiration', accessLogsExpiration);
    if (props.noncurrentVersionExpiration !== undefined && !versioned) {
      problems.push('noncurrentVersionExpiration needs versioned: true, got versioned: false: remove noncurrentVersionExpiration or turn versioning on');
    }
    if (props.accessLogsBucket !== undefined && !serverAccessLogs) {
      problems.push('accessLogsBucket needs serverAccessLogs: true, got serverAccessLogs: false: remove accessLogsBucket or turn access logs on');
    }
    if (props.accessLogsExpiration !== undefined && (props.accessLogsBucket !== undefined || !serverAccessLogs)) {
      problems.push('accessLogsExpiration applies only to the access-log bucket this construct defines: remove it, or set the expiry on your own log bucket');
    }
    // S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    if (props.bucketName !== undefined && !Token.isUnresolved(props.bucketName) && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      problems.push(`bucketName must be 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit, got '${props.bucketName}': rename it or leave bucketName unset`);
    }
    throwIfAny(this, problems);

    let accessLogsBucket: s3.IBucket | undefined;
    if (serverAccessLogs) {
      accessLogsBucket = props.accessLogsBucket;
      if (!accessLogsBucket) {
        const logs = new s3.Bucket(this, 'AccessLogs', {
          encryption: s3.BucketEncryption.S3_MANAGED, // server access logs cannot be delivered to SSE-KMS buckets
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          minimumTLSVersion: 1.2,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          lifecycleRules: [{ id: 'expire-access-logs', expiration: accessLogsExpiration, abortIncompleteMultipartUploadAfter: abortAfter }],
          removalPolicy,
        });
        acknowledge(logs, 'AwsSolutions-S1', 'This is the server access log bucket of the lake; logging it into itself or another bucket would only log the log deliveries');
        accessLogsBucket = logs;
      }
    }

    let encryptionKey: kms.IKey | undefined;
    if (encryption._encryption === s3.BucketEncryption.KMS) {
      encryptionKey =
        encryption._key ??
        new kms.Key(this, 'Key', {
          description: `Encrypts the data lake bucket ${this.node.path}`,
          enableKeyRotation: true,
          removalPolicy,
        });
    }

    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: abortAfter },
      { id: 'expire-raw-backups', prefix: this.layout.rawRoot(), expiration: rawBackupExpiration },
      { id: 'expire-error-output', prefix: this.layout.errorRoot(), expiration: errorOutputExpiration },
    ];
    if (versioned) {
      lifecycleRules.push({ id: 'expire-noncurrent-versions', noncurrentVersionExpiration, expiredObjectDeleteMarker: true });
    }

    const usesKms = encryption._encryption === s3.BucketEncryption.KMS || encryption._encryption === s3.BucketEncryption.KMS_MANAGED;
    const bucket = new s3.Bucket(this, 'Resource', {
      bucketName: props.bucketName,
      encryption: encryption._encryption,
      encryptionKey,
      bucketKeyEnabled: usesKms ? true : undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      lifecycleRules,
      removalPolicy,
    });
    if (accessLogsBucket) {
      // Wired here rather than through the L2's serverAccessLogsBucket, whose choice between a
      // bucket policy and the legacy LogDeliveryWrite ACL depends on the app's feature flags:
      // the log bucket is always granted by a bucket policy, and ACLs stay disabled.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
      (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
        destinationBucketName: accessLogsBucket.bucketName,
        logFilePrefix: ACCESS_LOG_PREFIX,
      };
      const delivery = accessLogsBucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'S3ServerAccessLogsPolicy',
          principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
          actions: ['s3:PutObject'],
          resources: [accessLogsBucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
          conditions: {
            ArnLike: { 'aws:SourceArn': bucket.bucketArn },
            StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          },
        }),
      );
      if (!delivery.statementAdded) {
        Annotations.of(this).addWarningV2(
          'cdk-serverless-data-lake:PartitionedParquetLake.accessLogsPolicy',
          `accessLogsBucket is not defined in this app, so its policy cannot be extended: let logging.s3.amazonaws.com put objects under ${ACCESS_LOG_PREFIX} for this lake bucket, or no access log is delivered`,
        );
      }
    }
    if (props.eventBridgeEnabled ?? false) {
      // Through aws-cdk-lib's notification custom resource, the single owner of the bucket's
      // notification configuration: a crawler's S3 event queue added or removed later then
      // leaves EventBridge delivery in place (see private/bucket-notifications.ts).
      enableEventBridge(bucket);
    }
    if (!serverAccessLogs) {
      acknowledge(bucket, 'AwsSolutions-S1', 'Server access logs were turned off explicitly with serverAccessLogs: false');
    }
    if (removalPolicy === RemovalPolicy.DESTROY) {
      Annotations.of(this).addWarningV2(
        'cdk-serverless-data-lake:PartitionedParquetLake.removalPolicyDestroy',
        'removalPolicy is RemovalPolicy.DESTROY: deleting the stack deletes the lake bucket (once empty) and schedules its key for deletion, after which no object can be read; use RemovalPolicy.RETAIN outside throwaway environments',
      );
    }

    this.bucket = bucket;
    this.encryptionKey = encryptionKey;
    this.accessLogsBucket = props.accessLogsBucket ?? (serverAccessLogs ? accessLogsBucket : undefined);
  }

  /** The S3 key prefix Firehose writes the table's data objects under (with `!{timestamp:…}` expressions). */
  public dataPrefix(tableName: string): string {
    this.checkTable(tableName);
    return this.layout.dataPrefix(tableName);
  }

  /** The S3 key prefix of the table's Firehose error output (with `!{firehose:error-output-type}`). */
  public errorPrefix(tableName: string): string {
    this.checkTable(tableName);
    return this.layout.errorPrefix(tableName);
  }

  /** The S3 key prefix of the table's raw backup (records before transformation). */
  public backupPrefix(tableName: string): string {
    this.checkTable(tableName);
    return this.layout.backupPrefix(tableName);
  }

  /** The table's location for the Glue catalog: `s3://<bucket>/<table>/`. */
  public tableLocation(tableName: string): string {
    this.checkTable(tableName);
    return this.layout.tableLocation(this.bucket.bucketName, tableName);
  }

  /**
   * Lets the grantee read one table's data: list and get objects under `<table>/` only, and
   * decrypt with the lake key. Grants nothing on raw backups, error output or other tables.
   */
  public grantRead(grantee: iam.IGrantable, tableName: string): iam.Grant {
    this.checkTable(tableName);
    return grantTableRead(this.bucket, this.layout, tableName, grantee);
  }

  /**
   * Lets the grantee write one table's objects the way Firehose does: put objects and manage
   * multipart uploads under the table's data, raw-backup and error prefixes only, and use the
   * lake key to encrypt them. Grants no read and no delete.
   */
  public grantWrite(grantee: iam.IGrantable, tableName: string): iam.Grant {
    this.checkTable(tableName);
    return grantTableWrite(this.bucket, this.layout, tableName, grantee);
  }

  private checkTable(tableName: string): void {
    throwIfAny(this, tableNameProblems(tableName));
  }
}

// S3 lifecycle rules count in whole days.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
function wholeDays(problems: string[], prop: string, d: Duration): void {
  if (d.isUnresolved()) return;
  const days = d.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    problems.push(`${prop} must be a whole number of days of at least 1, got ${d.toHumanString()}: use e.g. Duration.days(${Math.max(1, Math.ceil(days))})`);
  }
}
