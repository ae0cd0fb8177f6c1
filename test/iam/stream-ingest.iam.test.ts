import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, test } from 'vitest';
import { IngestEncryption, StreamIngest } from '../../src';
import { SimulatedPrincipal } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// Least privilege proven with an IAM policy simulator on the policies the template attaches,
// not by reading them: every action a producer or consumer might try is evaluated.
const WRITE_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords'];
// ListShards is in both grants (producers and consumers map keys to shards): it reveals shard IDs only.
const READ_ONLY_ACTIONS = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary'];
const READ_ACTIONS = [
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:ListShards',
];
const ADMIN_ACTIONS = [
  'kinesis:DeleteStream',
  'kinesis:IncreaseStreamRetentionPeriod',
  'kinesis:DecreaseStreamRetentionPeriod',
  'kinesis:RegisterStreamConsumer',
  'kinesis:StopStreamEncryption',
  'kinesis:PutResourcePolicy',
  'kinesis:AddTagsToStream',
];
const OTHER_STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/someone-elses`;
const OTHER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/someone-elses`;

function logicalIdOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

function setUp(grant: 'write' | 'read' | 'fan-out', encryption?: IngestEncryption) {
  const stack = newStack();
  const ingest = new StreamIngest(stack, 'Ingest', { encryption });
  const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  if (grant === 'write') ingest.grantWrite(role);
  else if (grant === 'read') ingest.grantRead(role);
  else ingest.grantReadFanOut(role, 'clicks-app');
  const principal = SimulatedPrincipal.ofRole(stack, logicalIdOf(stack, role));
  const streamArn = principal.arnOf(logicalIdOf(stack, ingest.stream));
  const keyArn = ingest.encryptionKey ? principal.arnOf(logicalIdOf(stack, ingest.encryptionKey)) : undefined;
  return { principal, streamArn, keyArn };
}

describe('grantWrite', () => {
  let s: ReturnType<typeof setUp>;
  beforeAll(() => {
    s = setUp('write');
  });

  test.each(WRITE_ACTIONS)('allows %s on this stream', async (action) => {
    expect(await s.principal.decide(action, s.streamArn)).toBe('Allowed');
  });

  test.each(WRITE_ACTIONS)('denies %s on any other stream', async (action) => {
    expect(await s.principal.decide(action, OTHER_STREAM)).toBe('ImplicitlyDenied');
  });

  test.each([...READ_ONLY_ACTIONS, ...ADMIN_ACTIONS])('denies %s on this stream', async (action) => {
    expect(await s.principal.decide(action, s.streamArn)).toBe('ImplicitlyDenied');
  });

  test('allows generating data keys with the stream key only, and no decrypt', async () => {
    expect(await s.principal.decide('kms:GenerateDataKey', s.keyArn!)).toBe('Allowed');
    expect(await s.principal.decide('kms:GenerateDataKey', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('kms:Decrypt', s.keyArn!)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('kms:ScheduleKeyDeletion', s.keyArn!)).toBe('ImplicitlyDenied');
  });
});

describe('grantRead', () => {
  let s: ReturnType<typeof setUp>;
  beforeAll(() => {
    s = setUp('read');
  });

  test.each(READ_ACTIONS)('allows %s on this stream', async (action) => {
    expect(await s.principal.decide(action, s.streamArn)).toBe('Allowed');
  });

  test.each([...WRITE_ACTIONS, ...ADMIN_ACTIONS])('denies %s on this stream', async (action) => {
    expect(await s.principal.decide(action, s.streamArn)).toBe('ImplicitlyDenied');
  });

  test.each(READ_ACTIONS)('denies %s on any other stream', async (action) => {
    expect(await s.principal.decide(action, OTHER_STREAM)).toBe('ImplicitlyDenied');
  });

  test('allows decrypt with the stream key only, and no encrypt', async () => {
    expect(await s.principal.decide('kms:Decrypt', s.keyArn!)).toBe('Allowed');
    expect(await s.principal.decide('kms:Decrypt', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('kms:GenerateDataKey', s.keyArn!)).toBe('ImplicitlyDenied');
  });
});

describe('grantReadFanOut', () => {
  let s: ReturnType<typeof setUp>;
  // A consumer's ARN: the stream's, then /consumer/<name>:<registration timestamp>.
  const consumer = (name: string) => `${s.streamArn}/consumer/${name}:1764672000`;
  beforeAll(() => {
    s = setUp('fan-out');
  });

  test.each(['kinesis:RegisterStreamConsumer', 'kinesis:ListStreamConsumers', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'])('allows %s on this stream', async (action) => {
    expect(await s.principal.decide(action, s.streamArn)).toBe('Allowed');
    expect(await s.principal.decide(action, OTHER_STREAM)).toBe('ImplicitlyDenied');
  });

  test.each(['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'])('allows %s on the named consumer of this stream only', async (action) => {
    expect(await s.principal.decide(action, consumer('clicks-app'))).toBe('Allowed');
    expect(await s.principal.decide(action, consumer('another-app'))).toBe('ImplicitlyDenied');
    expect(await s.principal.decide(action, `${OTHER_STREAM}/consumer/clicks-app:1764672000`)).toBe('ImplicitlyDenied');
  });

  test('cannot deregister the consumer, poll the stream, write it, or administer it', async () => {
    expect(await s.principal.decide('kinesis:DeregisterStreamConsumer', consumer('clicks-app'))).toBe('ImplicitlyDenied');
    for (const action of ['kinesis:GetRecords', 'kinesis:GetShardIterator', ...WRITE_ACTIONS, 'kinesis:DeleteStream', 'kinesis:StopStreamEncryption']) {
      expect(await s.principal.decide(action, s.streamArn)).toBe('ImplicitlyDenied');
    }
  });

  test('allows decrypt with the stream key only', async () => {
    expect(await s.principal.decide('kms:Decrypt', s.keyArn!)).toBe('Allowed');
    expect(await s.principal.decide('kms:Decrypt', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('kms:GenerateDataKey', s.keyArn!)).toBe('ImplicitlyDenied');
  });
});

describe('grantRead (polling) and enhanced fan-out', () => {
  test('a polling reader cannot subscribe to a consumer\'s shards nor register one', async () => {
    const s = setUp('read');
    expect(await s.principal.decide('kinesis:SubscribeToShard', `${s.streamArn}/consumer/any:1764672000`)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('kinesis:RegisterStreamConsumer', s.streamArn)).toBe('ImplicitlyDenied');
  });
});

describe('with the AWS-managed key', () => {
  test('grantWrite allows writes and grants nothing on KMS', async () => {
    const s = setUp('write', IngestEncryption.awsManagedKey());
    expect(s.keyArn).toBeUndefined();
    expect(await s.principal.decide('kinesis:PutRecords', s.streamArn)).toBe('Allowed');
    expect(await s.principal.decide('kms:GenerateDataKey', OTHER_KEY)).toBe('ImplicitlyDenied');
  });
});
