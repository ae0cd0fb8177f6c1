import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { PartitionedParquetLake, StreamIngest } from '../../src';
import { BatchTrigger, BatchTriggerSource } from '../../src/batch-trigger/batch-trigger';
import { SimulatedPrincipal } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// Least privilege of the bundled producer's role, proven with an IAM policy simulator on the
// policies the template attaches to it (and the resource policies of the key, bucket and queue).

const OTHER_STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/someone-elses`;
const OTHER_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:someone-elses`;
const OTHER_BUCKET = 'arn:aws:s3:::someone-elses-bucket';
const OTHER_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:someone-elses`;

function logicalIdOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

let principal: SimulatedPrincipal;
let streamArn: string;
let streamKeyArn: string;
let bucketArn: string;
let bucketKeyArn: string;
let queueArn: string;
let functionArn: string;

beforeAll(() => {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
  const ingest = new StreamIngest(stack, 'Ingest');
  const trigger = new BatchTrigger(stack, 'Batch', {
    stream: ingest.stream,
    source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix: 'landing/' }),
    replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks'] },
  });
  principal = SimulatedPrincipal.ofRole(stack, logicalIdOf(stack, trigger.role as never));
  streamArn = principal.arnOf(logicalIdOf(stack, ingest.stream));
  streamKeyArn = principal.arnOf(logicalIdOf(stack, ingest.encryptionKey!));
  bucketArn = principal.arnOf(logicalIdOf(stack, lake.bucket));
  bucketKeyArn = principal.arnOf(logicalIdOf(stack, lake.bucket.encryptionKey!));
  queueArn = principal.arnOf(logicalIdOf(stack, trigger.deadLetterQueue));
  functionArn = principal.arnOf(stack.getLogicalId(trigger.producer.node.defaultChild as never));
});

async function list(bucket: string, prefix: string): Promise<string> {
  const response = await runSimulation({
    identityPolicies: principal.policies.map((policy, i) => ({ name: `policy${i}`, policy: policy as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: { action: 's3:ListBucket', principal: principal.arn, resource: { resource: bucket, accountId: ACCOUNT }, contextVariables: { 's3:prefix': prefix } },
  }, {});
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

describe('bundled producer role', () => {
  test('can put to this stream, and generate data keys with its key', async () => {
    expect(await principal.decide('kinesis:PutRecords', streamArn)).toBe('Allowed');
    expect(await principal.decide('kms:GenerateDataKey', streamKeyArn)).toBe('Allowed');
  });

  test.each(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListShards', 'kinesis:DeleteStream'])(
    'cannot %s on this stream (it cannot read it)', async (action) => {
      expect(await principal.decide(action, streamArn)).toBe('ImplicitlyDenied');
    },
  );

  test('cannot decrypt with the stream key, nor put to any other stream', async () => {
    expect(await principal.decide('kms:Decrypt', streamKeyArn)).toBe('ImplicitlyDenied');
    expect(await principal.decide('kinesis:PutRecords', OTHER_STREAM)).toBe('ImplicitlyDenied');
    expect(await principal.decide('kinesis:PutRecord', streamArn)).toBe('ImplicitlyDenied');
  });

  test.each(['landing/2026/batch.json', 'raw/clicks/year=2026/month=11/day=27/hour=05/f.gz', 'errors/clicks/processing-failed/year=2026/month=11/day=27/hour=05/f'])(
    'can read %s, and decrypt it', async (key) => {
      expect(await principal.decide('s3:GetObject', `${bucketArn}/${key}`)).toBe('Allowed');
      expect(await principal.decide('kms:Decrypt', bucketKeyArn)).toBe('Allowed');
    },
  );

  test.each(['clicks/year=2026/month=11/day=27/hour=05/f.parquet', 'raw/orders/year=2026/f.gz', 'errors/orders/f', 'landing-other/x.json', 'private/secrets.json'])(
    'cannot read other prefixes: %s', async (key) => {
      expect(await principal.decide('s3:GetObject', `${bucketArn}/${key}`)).toBe('ImplicitlyDenied');
    },
  );

  test('cannot read other buckets, nor write or delete in the lake', async () => {
    expect(await principal.decide('s3:GetObject', `${OTHER_BUCKET}/landing/x.json`)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:PutObject', `${bucketArn}/landing/x.json`)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:DeleteObject', `${bucketArn}/landing/x.json`)).toBe('ImplicitlyDenied');
  });

  test('lists only its prefixes', async () => {
    expect(await list(bucketArn, 'landing/')).toBe('Allowed');
    expect(await list(bucketArn, 'raw/clicks/year=2026/month=11/day=27/hour=05/')).toBe('Allowed');
    expect(await list(bucketArn, 'clicks/')).toBe('ImplicitlyDenied');
    expect(await list(bucketArn, '')).toBe('ImplicitlyDenied');
    expect(await list(OTHER_BUCKET, 'landing/')).toBe('ImplicitlyDenied');
  });

  test('can only send to its dead-letter queue, and cannot read it', async () => {
    expect(await principal.decide('sqs:SendMessage', queueArn)).toBe('Allowed');
    expect(await principal.decide('sqs:SendMessage', OTHER_QUEUE)).toBe('ImplicitlyDenied');
    expect(await principal.decide('sqs:ReceiveMessage', queueArn)).toBe('ImplicitlyDenied');
    expect(await principal.decide('sqs:DeleteMessage', queueArn)).toBe('ImplicitlyDenied');
  });

  test('can invoke itself (continuations) and no other function', async () => {
    expect(await principal.decide('lambda:InvokeFunction', functionArn)).toBe('Allowed');
    expect(await principal.decide('lambda:InvokeFunction', OTHER_FUNCTION)).toBe('ImplicitlyDenied');
    expect(await principal.decide('lambda:UpdateFunctionCode', functionArn)).toBe('ImplicitlyDenied');
  });
});
