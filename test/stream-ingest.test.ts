import { CfnParameter, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, test } from 'vitest';
import { IngestEncryption, ShardLimit, StreamCapacity, StreamIngest } from '../src';
import { newStack } from './support/stack';

function streamProps(stack: Stack) {
  const streams = Template.fromStack(stack).findResources('AWS::Kinesis::Stream');
  expect(Object.keys(streams)).toHaveLength(1);
  return Object.values(streams)[0] as { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
}

describe('defaults', () => {
  test('defines one stream with one provisioned shard and 168-hour retention', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Kinesis::Stream', 1);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 1,
      RetentionPeriodHours: 168,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      Name: Match.absent(),
    });
  });

  test('encrypts the stream with a new customer-managed key that rotates', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(streamProps(stack).Properties.StreamEncryption).toEqual({
      EncryptionType: 'KMS',
      KeyId: stack.resolve(ingest.encryptionKey!.keyArn),
    });
  });

  test('retains the stream and its key when removed from the stack', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest');
    const t = Template.fromStack(stack);
    t.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('exposes the stream as the default child and no shard estimate', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    expect(ingest.node.defaultChild).toBe(ingest.stream);
    expect(ingest.shardEstimate).toBeUndefined();
  });

  test('two instances in one stack synthesize side by side', () => {
    const stack = newStack();
    new StreamIngest(stack, 'A');
    new StreamIngest(stack, 'B');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Kinesis::Stream', 2);
    t.resourceCountIs('AWS::KMS::Key', 2);
  });
});

describe('capacity', () => {
  test('on-demand leaves the shard count to Kinesis', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { capacity: StreamCapacity.onDemand() });
    const p = streamProps(stack).Properties;
    expect(p.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(p.ShardCount).toBeUndefined();
  });

  test('a fixed shard count is provisioned as given', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { capacity: StreamCapacity.shards(6) });
    expect(streamProps(stack).Properties).toMatchObject({ ShardCount: 6, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
  });

  test('a throughput estimate provisions the calculated shards and exposes the estimate', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', {
      capacity: StreamCapacity.fromThroughput({ recordsPerSecond: 2500, averageRecordSize: Size.kibibytes(1) }),
    });
    expect(streamProps(stack).Properties.ShardCount).toBe(4);
    expect(ingest.shardEstimate?.shardCount).toBe(4);
    expect(ingest.shardEstimate?.limitingFactor).toBe(ShardLimit.WRITE_BYTES);
  });

  test('describes each capacity choice', () => {
    expect(StreamCapacity.onDemand()).toMatchObject({ mode: kinesis.StreamMode.ON_DEMAND, shardCount: undefined });
    expect(StreamCapacity.shards(3)).toMatchObject({ mode: kinesis.StreamMode.PROVISIONED, shardCount: 3, estimate: undefined });
  });

  test.each([0, -1, 1.5, Number.NaN])('fails on a shard count of %s', (count) => {
    const stack = newStack();
    expect(() => new StreamIngest(stack, 'Ingest', { capacity: StreamCapacity.shards(count) })).toThrow(
      new RegExp(`StreamIngest at 'TestStack/Ingest': capacity must have a whole number of shards of at least 1, got ${count}: use StreamCapacity.shards\\(1\\)`),
    );
  });

  test('does not validate a shard count that is a token', () => {
    const stack = newStack();
    const shards = new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber;
    new StreamIngest(stack, 'Ingest', { capacity: StreamCapacity.shards(shards) });
    expect(streamProps(stack).Properties.ShardCount).toEqual({ Ref: 'Shards' });
  });
});

describe('retention', () => {
  test.each([
    [Duration.hours(24), 24],
    [Duration.days(7), 168],
    [Duration.hours(8760), 8760],
    [Duration.days(365), 8760],
  ])('keeps records for %s', (retentionPeriod, hours) => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { retentionPeriod });
    expect(streamProps(stack).Properties.RetentionPeriodHours).toBe(hours);
  });

  test.each([
    [Duration.hours(23), '23'],
    [Duration.hours(8761), '8761'],
    [Duration.minutes(90 * 60 + 30), '90.5'],
    [Duration.days(366), '8784'],
  ])('fails on a retention period of %s', (retentionPeriod, hours) => {
    const stack = newStack();
    expect(() => new StreamIngest(stack, 'Ingest', { retentionPeriod })).toThrow(
      new RegExp(`retentionPeriod must be a whole number of hours from 24 to 8760, got ${hours} hours: use e.g. Duration.hours\\(168\\)`),
    );
  });

  test('does not validate a retention period that is a token', () => {
    const stack = newStack();
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber;
    new StreamIngest(stack, 'Ingest', { retentionPeriod: Duration.hours(hours) });
    expect(streamProps(stack).Properties.RetentionPeriodHours).toEqual({ Ref: 'Hours' });
  });
});

describe('stream name', () => {
  test('names the stream when asked', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { streamName: 'clicks.v1_raw-events' });
    expect(streamProps(stack).Properties.Name).toBe('clicks.v1_raw-events');
  });

  test.each(['', 'has space', 'x'.repeat(129), 'slash/name'])('fails on the stream name "%s"', (streamName) => {
    const stack = newStack();
    expect(() => new StreamIngest(stack, 'Ingest', { streamName })).toThrow(
      /streamName must be 1 to 128 letters, digits, '_', '-' or '.', got '.*': rename the stream/,
    );
  });

  test('does not validate a stream name that is a token', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'Name').valueAsString;
    new StreamIngest(stack, 'Ingest', { streamName: name });
    expect(streamProps(stack).Properties.Name).toEqual({ Ref: 'Name' });
  });
});

describe('encryption', () => {
  test('uses your key and defines none', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Shared', { enableKeyRotation: true });
    const ingest = new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.key(key) });
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
    expect(ingest.encryptionKey).toBe(key);
    expect(streamProps(stack).Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: stack.resolve(key.keyArn) });
  });

  test('uses the AWS-managed key by explicit choice and defines no key', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.awsManagedKey() });
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
    expect(ingest.encryptionKey).toBeUndefined();
    expect(streamProps(stack).Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
  });

  test('a customer-managed key can be asked for explicitly', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.customerManagedKey() });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('removal policy', () => {
  test('DESTROY deletes stream and key and warns', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Ingest',
      Match.stringLikeRegexp('removalPolicy is RemovalPolicy.DESTROY: deleting the stack deletes the stream'),
    );
  });

  test('other removal policies are passed through without a warning', () => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    Template.fromStack(stack).hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('bring your own stream', () => {
  test('wraps your stream and defines nothing', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abc');
    const yours = kinesis.Stream.fromStreamAttributes(stack, 'Yours', {
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/yours',
      encryptionKey: key,
    });
    const ingest = new StreamIngest(stack, 'Ingest', { stream: yours });
    expect(ingest.stream).toBe(yours);
    expect(ingest.encryptionKey).toBe(key);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Kinesis::Stream', 0);
    t.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('fails when props that configure a new stream are also given', () => {
    const stack = newStack();
    const yours = kinesis.Stream.fromStreamArn(stack, 'Yours', 'arn:aws:kinesis:eu-west-1:123456789012:stream/yours');
    expect(
      () =>
        new StreamIngest(stack, 'Ingest', {
          stream: yours,
          retentionPeriod: Duration.days(2),
          capacity: StreamCapacity.onDemand(),
        }),
    ).toThrow(/capacity, retentionPeriod cannot be set together with stream, got both: .*configure your own stream where you define it/);
  });

  test('grants on your stream cover its key', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abc');
    const yours = kinesis.Stream.fromStreamAttributes(stack, 'Yours', {
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/yours',
      encryptionKey: key,
    });
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new StreamIngest(stack, 'Ingest', { stream: yours }).grantWrite(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
            Resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/yours',
          }),
          Match.objectLike({ Action: 'kms:GenerateDataKey', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/abc' }),
        ]),
      },
    });
  });
});

describe('grants', () => {
  test('grantWrite returns a grant for PutRecord(s) on this stream and encrypt on its key', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const grant = ingest.grantWrite(role);
    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: stack.resolve(ingest.stream.streamArn) },
          { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: stack.resolve(ingest.encryptionKey!.keyArn) },
        ],
      },
    });
  });

  test('grantRead returns a grant for reads on this stream and decrypt on its key', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(ingest.grantRead(role).success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: [
              'kinesis:DescribeStream',
              'kinesis:DescribeStreamSummary',
              'kinesis:GetRecords',
              'kinesis:GetShardIterator',
              'kinesis:ListShards',
            ],
            Effect: 'Allow',
            Resource: stack.resolve(ingest.stream.streamArn),
          },
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: stack.resolve(ingest.encryptionKey!.keyArn) },
        ],
      },
    });
  });

  test('grantRead promises no enhanced fan-out: SubscribeToShard applies to consumers, not the stream', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    ingest.grantRead(role);
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toMatch(/SubscribeToShard|StreamConsumer/);
  });

  test('grantReadFanOut grants the stream actions on the stream and the consumer actions on the named consumer', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(ingest.grantReadFanOut(role, 'clicks-app').success).toBe(true);
    const streamArn = stack.resolve(ingest.stream.streamArn);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:RegisterStreamConsumer', 'kinesis:ListStreamConsumers'],
            Effect: 'Allow',
            Resource: streamArn,
          },
          {
            Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [streamArn, '/consumer/clicks-app:*']] },
          },
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: stack.resolve(ingest.encryptionKey!.keyArn) },
        ],
      },
    });
  });

  test.each(['', 'has space', 'x'.repeat(129), 'a/b'])('fails on the consumer name %j', (name) => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => ingest.grantReadFanOut(role, name)).toThrow(/StreamIngest at 'TestStack\/Ingest': consumerName of grantReadFanOut must be 1 to 128 letters, digits, '_', '-' or '.', got/);
  });

  test('with the AWS-managed key, grants name no key', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.awsManagedKey() });
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    ingest.grantWrite(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'] })] },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.not(Match.arrayWith([Match.objectLike({ Action: Match.stringLikeRegexp('^kms:') })])) },
    });
  });
});

describe('metrics', () => {
  const cases: Array<[string, (i: StreamIngest) => cloudwatch.Metric, string, string]> = [
    ['metricIncomingRecords', (i) => i.metricIncomingRecords(), 'IncomingRecords', 'Sum'],
    ['metricIncomingBytes', (i) => i.metricIncomingBytes(), 'IncomingBytes', 'Sum'],
    ['metricGetRecordsIteratorAgeMilliseconds', (i) => i.metricGetRecordsIteratorAgeMilliseconds(), 'GetRecords.IteratorAgeMilliseconds', 'Maximum'],
    ['metricWriteProvisionedThroughputExceeded', (i) => i.metricWriteProvisionedThroughputExceeded(), 'WriteProvisionedThroughputExceeded', 'Sum'],
    ['metricPutRecordsFailedRecords', (i) => i.metricPutRecordsFailedRecords(), 'PutRecords.FailedRecords', 'Sum'],
    ['metric', (i) => i.metric('OutgoingBytes'), 'OutgoingBytes', 'Average'],
  ];

  test.each(cases)('%s reads %s with its statistic', (_name, make, metricName, statistic) => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const metric = make(ingest);
    expect(metric.namespace).toBe('AWS/Kinesis');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toSeconds()).toBe(300);
    expect(stack.resolve(metric.dimensions)).toEqual({ StreamName: stack.resolve(ingest.stream.streamName) });
  });

  test('metric options override the defaults', () => {
    const stack = newStack();
    const metric = new StreamIngest(stack, 'Ingest').metricIncomingRecords({ statistic: 'Average', period: Duration.minutes(1) });
    expect(metric.statistic).toBe('Average');
    expect(metric.period.toSeconds()).toBe(60);
  });
});
