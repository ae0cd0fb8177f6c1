import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, test } from 'vitest';
import { LakeEncryption, PartitionLayout, PartitionedParquetLake } from '../src';
import { newStack } from './support/stack';

function lakeBucket(stack: Stack, lake: PartitionedParquetLake) {
  const id = stack.getLogicalId(lake.bucket.node.defaultChild as s3.CfnBucket);
  return Template.fromStack(stack).toJSON().Resources[id] as { Properties: Record<string, any>; DeletionPolicy?: string };
}

describe('defaults', () => {
  test('defines the lake bucket locked down: BPA, SSE-KMS with a bucket key, versioning, owner-enforced', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const p = lakeBucket(stack, lake).Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: stack.resolve(lake.encryptionKey!.keyArn) } },
      ],
    });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.BucketName).toBeUndefined();
    expect(p.NotificationConfiguration).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('enforces SSL and TLS 1.2 in the bucket policy', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(lake.bucket.bucketName),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('lifecycle: aborts uploads after 7 days, expires raw after 30, errors after 90, old versions after 30', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    expect(lakeBucket(stack, lake).Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
      { Id: 'expire-raw-backups', Prefix: 'raw/', ExpirationInDays: 30, Status: 'Enabled' },
      { Id: 'expire-error-output', Prefix: 'errors/', ExpirationInDays: 90, Status: 'Enabled' },
      { Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
    ]);
  });

  test('logs access to a separate SSE-S3 bucket that expires logs after 365 days', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const p = lakeBucket(stack, lake).Properties;
    expect(p.LoggingConfiguration).toEqual({ DestinationBucketName: stack.resolve(lake.accessLogsBucket!.bucketName), LogFilePrefix: 'lake/' });
    const logsId = stack.getLogicalId(lake.accessLogsBucket!.node.defaultChild as s3.CfnBucket);
    const logs = Template.fromStack(stack).toJSON().Resources[logsId];
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(logs.Properties.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
    expect(logs.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 365 });
    expect(logs.DeletionPolicy).toBe('Retain');
  });

  test('grants log delivery by bucket policy, never by ACL, whatever the feature flags', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const logsId = stack.getLogicalId(lake.accessLogsBucket!.node.defaultChild as s3.CfnBucket);
    const t = Template.fromStack(stack);
    expect(t.toJSON().Resources[logsId].Properties.AccessControl).toBeUndefined();
    expect(t.toJSON().Resources[logsId].Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'S3ServerAccessLogsPolicy',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [stack.resolve(lake.accessLogsBucket!.bucketArn), '/lake/*']] },
            Condition: { ArnLike: { 'aws:SourceArn': stack.resolve(lake.bucket.bucketArn) }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ]),
      },
    });
  });

  test('warns when your log bucket\'s policy cannot be extended', () => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'Lake', { accessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs') });
    Annotations.fromStack(stack).hasWarning('/TestStack/Lake', Match.stringLikeRegexp('accessLogsBucket is not defined in this app'));
  });

  test('retains the buckets and key, with no warning', () => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'Lake');
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::S3::Bucket')).map((r) => r.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('uses the hourly layout', () => {
    const lake = new PartitionedParquetLake(newStack(), 'Lake');
    expect(lake.layout.partitionKeys).toEqual(['year', 'month', 'day', 'hour']);
  });

  test('two lakes in one stack synthesize side by side', () => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'A');
    new PartitionedParquetLake(stack, 'B');
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 4);
  });
});

describe('prefixes and locations', () => {
  test('come from the layout', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { layout: PartitionLayout.daily() });
    expect(lake.dataPrefix('clicks')).toBe('clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect(lake.errorPrefix('clicks')).toBe('errors/clicks/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect(lake.backupPrefix('clicks')).toBe('raw/clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect(stack.resolve(lake.tableLocation('clicks'))).toEqual({ 'Fn::Join': ['', ['s3://', stack.resolve(lake.bucket.bucketName), '/clicks/']] });
  });

  test.each(['Clicks', 'raw', 'errors', 'my-table', ''])('fails on the table name "%s"', (name) => {
    const lake = new PartitionedParquetLake(newStack(), 'Lake');
    expect(() => lake.dataPrefix(name)).toThrow(/PartitionedParquetLake at 'TestStack\/Lake': tableName must/);
  });
});

describe('props', () => {
  test('your key, with a bucket key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Shared', { enableKeyRotation: true });
    const lake = new PartitionedParquetLake(stack, 'Lake', { encryption: LakeEncryption.key(key) });
    expect(lake.encryptionKey).toBe(key);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
    expect(lakeBucket(stack, lake).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: stack.resolve(key.keyArn) },
    });
  });

  test('the AWS-managed key, with a bucket key and no key defined', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { encryption: LakeEncryption.awsManagedKey() });
    expect(lake.encryptionKey).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
    expect(lakeBucket(stack, lake).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' },
    });
  });

  test('SSE-S3, without a key', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { encryption: LakeEncryption.s3Managed() });
    expect(lake.encryptionKey).toBeUndefined();
    expect(lakeBucket(stack, lake).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
  });

  test('a customer-managed key can be asked for explicitly', () => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'Lake', { encryption: LakeEncryption.customerManagedKey() });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('versioned: false drops versioning and the old-version rule', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { versioned: false });
    const p = lakeBucket(stack, lake).Properties;
    expect(p.VersioningConfiguration).toBeUndefined();
    expect(p.LifecycleConfiguration.Rules.map((r: { Id: string }) => r.Id)).not.toContain('expire-noncurrent-versions');
  });

  test('serverAccessLogs: false defines no log bucket and acknowledges the choice', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { serverAccessLogs: false });
    expect(lake.accessLogsBucket).toBeUndefined();
    expect(lakeBucket(stack, lake).Properties.LoggingConfiguration).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('your access-log bucket receives the logs', () => {
    const stack = newStack();
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs');
    const lake = new PartitionedParquetLake(stack, 'Lake', { accessLogsBucket: logs });
    expect(lake.accessLogsBucket).toBe(logs);
    expect(lakeBucket(stack, lake).Properties.LoggingConfiguration).toEqual({ DestinationBucketName: 'central-access-logs', LogFilePrefix: 'lake/' });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('expirations are configurable', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', {
      rawBackupExpiration: Duration.days(7),
      errorOutputExpiration: Duration.days(14),
      noncurrentVersionExpiration: Duration.days(3),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      accessLogsExpiration: Duration.days(30),
    });
    expect(lakeBucket(stack, lake).Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      expect.objectContaining({ ExpirationInDays: 7 }),
      expect.objectContaining({ ExpirationInDays: 14 }),
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 3 } }),
    ]);
    const logsId = stack.getLogicalId(lake.accessLogsBucket!.node.defaultChild as s3.CfnBucket);
    expect(Template.fromStack(stack).toJSON().Resources[logsId].Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(30);
  });

  test('bucketName names the bucket', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { bucketName: 'my-lake.example-1' });
    expect(lakeBucket(stack, lake).Properties.BucketName).toBe('my-lake.example-1');
  });

  test('eventBridgeEnabled sends the bucket\'s events to EventBridge through the one owner of its notification configuration', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    // Not on the bucket itself: the notification custom resource owns the whole configuration.
    expect(lakeBucket(stack, lake).Properties.NotificationConfiguration).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('Custom::S3BucketNotifications', 1);
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: stack.resolve(lake.bucket.bucketName),
      Managed: true,
      NotificationConfiguration: { EventBridgeConfiguration: {}, QueueConfigurations: Match.absent() },
    });
  });

  test('eventBridgeEnabled: false (the default) defines no notification configuration at all', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: false });
    expect(lakeBucket(stack, lake).Properties.NotificationConfiguration).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('DESTROY deletes buckets and key and warns', () => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::S3::Bucket')).map((r) => r.DeletionPolicy)).toEqual(['Delete', 'Delete']);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    Annotations.fromStack(stack).hasWarning('/TestStack/Lake', Match.stringLikeRegexp('removalPolicy is RemovalPolicy.DESTROY: deleting the stack deletes the lake bucket'));
  });
});

describe('validation', () => {
  test.each([
    ['rawBackupExpiration', { rawBackupExpiration: Duration.hours(36) }, /rawBackupExpiration must be a whole number of days of at least 1, got 1 day 12 hours: use e.g. Duration.days\(2\)/],
    ['errorOutputExpiration', { errorOutputExpiration: Duration.days(0) }, /errorOutputExpiration must be a whole number of days of at least 1, got 0 days/],
    ['noncurrentVersionExpiration', { noncurrentVersionExpiration: Duration.minutes(5) }, /noncurrentVersionExpiration must be a whole number of days/],
    ['abortIncompleteMultipartUploadAfter', { abortIncompleteMultipartUploadAfter: Duration.hours(1) }, /abortIncompleteMultipartUploadAfter must be a whole number of days/],
    ['accessLogsExpiration', { accessLogsExpiration: Duration.hours(2) }, /accessLogsExpiration must be a whole number of days/],
    ['noncurrentVersionExpiration without versioning', { versioned: false, noncurrentVersionExpiration: Duration.days(3) }, /noncurrentVersionExpiration needs versioned: true, got versioned: false/],
    ['accessLogsBucket without logs', { serverAccessLogs: false, accessLogsBucket: s3.Bucket.fromBucketName(newStack(), 'L', 'central-logs') }, /accessLogsBucket needs serverAccessLogs: true/],
    ['accessLogsExpiration without logs', { serverAccessLogs: false, accessLogsExpiration: Duration.days(3) }, /accessLogsExpiration applies only to the access-log bucket this construct defines/],
    ['bucketName', { bucketName: 'My_Lake' }, /bucketName must be 3 to 63 lowercase letters, digits, dots or hyphens.*got 'My_Lake'/],
  ])('fails on %s', (_name, props, message) => {
    expect(() => new PartitionedParquetLake(newStack(), 'Lake', props)).toThrow(message);
  });

  test('does not validate tokens', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    const name = new CfnParameter(stack, 'Name').valueAsString;
    expect(() => new PartitionedParquetLake(stack, 'Lake', { rawBackupExpiration: Duration.days(days), bucketName: name })).not.toThrow();
  });

  test('reports every problem at once', () => {
    expect(() =>
      new PartitionedParquetLake(newStack(), 'Lake', { rawBackupExpiration: Duration.hours(1), errorOutputExpiration: Duration.hours(1) }),
    ).toThrow(/\n {2}- rawBackupExpiration.*\n {2}- errorOutputExpiration/s);
  });
});

describe('bring your own bucket', () => {
  test('wraps your bucket and defines nothing', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/k');
    const yours = s3.Bucket.fromBucketAttributes(stack, 'Yours', { bucketName: 'existing-lake', encryptionKey: key });
    const lake = new PartitionedParquetLake(stack, 'Lake', { bucket: yours, layout: PartitionLayout.monthly() });
    expect(lake.bucket).toBe(yours);
    expect(lake.encryptionKey).toBe(key);
    expect(lake.accessLogsBucket).toBeUndefined();
    expect(lake.layout.partitionKeys).toEqual(['year', 'month']);
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
  });

  test('fails when props that configure a new bucket are also given', () => {
    const stack = newStack();
    const yours = s3.Bucket.fromBucketName(stack, 'Yours', 'existing-lake');
    expect(() => new PartitionedParquetLake(stack, 'Lake', { bucket: yours, versioned: false, removalPolicy: RemovalPolicy.DESTROY })).toThrow(
      /versioned, removalPolicy cannot be set together with bucket, got both/,
    );
  });
});

describe('grants', () => {
  test('grantRead gets and lists one table\'s prefix and decrypts', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(lake.grantRead(role, 'clicks').success).toBe(true);
    const bucketArn = stack.resolve(lake.bucket.bucketArn);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/clicks/*']] } },
          { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['clicks/', 'clicks/*'] } } },
          { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: bucketArn },
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: stack.resolve(lake.encryptionKey!.keyArn) },
        ],
      },
    });
  });

  test('grantWrite puts under the table\'s data, raw and error prefixes only', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });
    expect(lake.grantWrite(role, 'clicks').success).toBe(true);
    const bucketArn = stack.resolve(lake.bucket.bucketArn);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
            Effect: 'Allow',
            Resource: [
              { 'Fn::Join': ['', [bucketArn, '/clicks/*']] },
              { 'Fn::Join': ['', [bucketArn, '/raw/clicks/*']] },
              { 'Fn::Join': ['', [bucketArn, '/errors/clicks/*']] },
            ],
          },
          { Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Effect: 'Allow', Resource: bucketArn },
          { Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: stack.resolve(lake.encryptionKey!.keyArn) },
        ],
      },
    });
  });

  test('grants name no key with SSE-S3', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { encryption: LakeEncryption.s3Managed() });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    lake.grantRead(role, 'clicks');
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policies)).not.toContain('kms:');
  });

  test('fails on a bad table name', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => lake.grantWrite(role, 'raw')).toThrow(/tableName must not be 'raw', got 'raw'/);
  });
});
