import { Stack } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { ColumnType, CrawledCatalog, NewlineTransformFirehose, PartitionedParquetLake, StreamIngest, TableSchema } from '../../src';
import { SimulatedPrincipal } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// The delivery role, evaluated by an IAM policy simulator: it reads only its stream, writes only
// under its table's prefixes, and reads the Glue table only for the Parquet conversion.
function idOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

function setUp(parquet: boolean) {
  const stack = newStack();
  const ingest = new StreamIngest(stack, 'Ingest');
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const catalog = new CrawledCatalog(stack, 'Catalog', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'clicks',
    schema: parquet ? new TableSchema([{ name: 'id', type: ColumnType.STRING }]) : undefined,
  });
  const delivery = new NewlineTransformFirehose(stack, 'Delivery', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', table: catalog.table });
  const principal = SimulatedPrincipal.ofRole(stack, idOf(stack, delivery.role));
  return {
    principal,
    stream: principal.arnOf(idOf(stack, ingest.stream)),
    streamKey: principal.arnOf(idOf(stack, ingest.encryptionKey!)),
    bucket: principal.arnOf(idOf(stack, lake.bucket)),
    lakeKey: principal.arnOf(idOf(stack, lake.encryptionKey!)),
    fn: delivery.processorFunction ? principal.arnOf(idOf(stack, delivery.processorFunction)) : undefined,
    table: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${catalog.databaseName}/clicks`,
    otherTable: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${catalog.databaseName}/orders`,
  };
}

describe('delivery role (Parquet)', () => {
  const s = setUp(true);

  test.each(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListShards'])('reads its stream: %s', async (action) => {
    expect(await s.principal.decide(action, s.stream)).toBe('Allowed');
    expect(await s.principal.decide(action, `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/other`)).toBe('ImplicitlyDenied');
  });

  test('cannot write to any stream', async () => {
    expect(await s.principal.decide('kinesis:PutRecords', s.stream)).toBe('ImplicitlyDenied');
  });

  test('decrypts stream records with the stream key only', async () => {
    expect(await s.principal.decide('kms:Decrypt', s.streamKey)).toBe('Allowed');
    expect(await s.principal.decide('kms:Encrypt', s.streamKey)).toBe('ImplicitlyDenied');
  });

  test.each([
    'clicks/year=2026/month=01/day=02/hour=03/delivery-1.parquet',
    'raw/clicks/year=2026/month=01/day=02/hour=03/delivery-1.gz',
    'errors/clicks/format-conversion-failed/year=2026/month=01/day=02/hour=03/x',
  ])('writes %s', async (key) => {
    expect(await s.principal.decide('s3:PutObject', `${s.bucket}/${key}`)).toBe('Allowed');
  });

  test.each(['orders/year=2026/x.parquet', 'raw/orders/x.gz', 'errors/orders/x', 'clicks.parquet', 'other/clicks/x'])('cannot write %s', async (key) => {
    expect(await s.principal.decide('s3:PutObject', `${s.bucket}/${key}`)).toBe('ImplicitlyDenied');
  });

  test('gets objects under its own table\'s prefixes only and lists the bucket, as AWS documents for Firehose', async () => {
    for (const key of ['clicks/year=2026/x.parquet', 'raw/clicks/x.gz', 'errors/clicks/x']) {
      expect(await s.principal.decide('s3:GetObject', `${s.bucket}/${key}`)).toBe('Allowed');
    }
    for (const key of ['orders/year=2026/x.parquet', 'raw/orders/x.gz', 'other/clicks/x']) {
      expect(await s.principal.decide('s3:GetObject', `${s.bucket}/${key}`)).toBe('ImplicitlyDenied');
    }
    for (const action of ['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:GetBucketLocation']) {
      expect(await s.principal.decide(action, s.bucket)).toBe('Allowed');
    }
    expect(await s.principal.decide('s3:ListBucket', 'arn:aws:s3:::another-bucket')).toBe('ImplicitlyDenied');
  });

  test('cannot delete lake objects, nor write other buckets', async () => {
    expect(await s.principal.decide('s3:DeleteObject', `${s.bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('s3:DeleteObjectVersion', `${s.bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('s3:PutObject', 'arn:aws:s3:::another-bucket/clicks/x')).toBe('ImplicitlyDenied');
  });

  test('encrypts with the lake key', async () => {
    expect(await s.principal.decide('kms:GenerateDataKey', s.lakeKey)).toBe('Allowed');
  });

  test('reads its Glue table for the conversion, and changes nothing in Glue', async () => {
    expect(await s.principal.decide('glue:GetTable', s.table)).toBe('Allowed');
    expect(await s.principal.decide('glue:GetTableVersions', s.table)).toBe('Allowed');
    expect(await s.principal.decide('glue:GetTable', s.otherTable)).toBe('ImplicitlyDenied');
    for (const action of ['glue:UpdateTable', 'glue:DeleteTable', 'glue:BatchCreatePartition']) {
      expect(await s.principal.decide(action, s.table)).toBe('ImplicitlyDenied');
    }
  });

  test('invokes no Lambda: no processor runs before the conversion', async () => {
    expect(s.fn).toBeUndefined();
    expect(await s.principal.decide('lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`)).toBe('ImplicitlyDenied');
  });
});

describe('delivery role (JSON lines)', () => {
  test('invokes the newline function only', async () => {
    const s = setUp(false);
    expect(await s.principal.decide('lambda:InvokeFunction', s.fn!)).toBe('Allowed');
    expect(await s.principal.decide('lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('lambda:UpdateFunctionCode', s.fn!)).toBe('ImplicitlyDenied');
  });

  test('has no Glue access at all', async () => {
    const s = setUp(false);
    expect(await s.principal.decide('glue:GetTable', s.table)).toBe('ImplicitlyDenied');
    expect(await s.principal.decide('s3:PutObject', `${s.bucket}/clicks/year=2026/x.gz`)).toBe('Allowed');
  });
});
