import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, test } from 'vitest';
import { ColumnType, CrawledCatalog, PartitionDiscovery, PartitionedParquetLake, TableSchema } from '../../src';
import { SimulatedPrincipal } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// Least privilege of the lake and catalog, evaluated by an IAM policy simulator on the policies
// (and bucket and key policies) the templates carry.
const SCHEMA = new TableSchema([{ name: 'id', type: ColumnType.STRING }]);
const OTHER_BUCKET_OBJECT = 'arn:aws:s3:::someone-elses-bucket/clicks/year=2026/x.parquet';

function idOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

function lakeWith(discovery?: PartitionDiscovery, schemaFirst = true) {
  const schema = schemaFirst ? SCHEMA : undefined;
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
  const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema, partitionDiscovery: discovery });
  return { stack, lake, catalog };
}

function glueArns(catalog: CrawledCatalog) {
  const db = catalog.databaseName;
  return {
    catalog: `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
    database: `arn:aws:glue:${REGION}:${ACCOUNT}:database/${db}`,
    table: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${db}/clicks`,
    otherTable: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${db}/orders`,
  };
}

describe('crawler role', () => {
  const { stack, lake, catalog } = lakeWith(PartitionDiscovery.crawler());
  const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(catalog.crawlerRole!.node.defaultChild as never));
  const bucket = principal.arnOf(idOf(stack, lake.bucket));
  const key = principal.arnOf(idOf(stack, lake.encryptionKey!));
  const arns = glueArns(catalog);

  test('reads objects under the table prefix and decrypts them', async () => {
    expect(await principal.decide('s3:GetObject', `${bucket}/clicks/year=2026/month=01/day=02/hour=03/part.parquet`)).toBe('Allowed');
    expect(await principal.decide('kms:Decrypt', key)).toBe('Allowed');
  });

  test.each([
    ['raw backups', 'raw/clicks/year=2026/x.gz'],
    ['error output', 'errors/clicks/processing-failed/x'],
    ['another table', 'orders/year=2026/x.parquet'],
  ])('cannot read %s', async (_what, objectKey) => {
    expect(await principal.decide('s3:GetObject', `${bucket}/${objectKey}`)).toBe('ImplicitlyDenied');
  });

  test('cannot read other buckets', async () => {
    expect(await principal.decide('s3:GetObject', OTHER_BUCKET_OBJECT)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:ListBucket', 'arn:aws:s3:::someone-elses-bucket')).toBe('ImplicitlyDenied');
  });

  test.each(['s3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl'])('cannot %s anywhere', async (action) => {
    expect(await principal.decide(action, `${bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    expect(await principal.decide(action, OTHER_BUCKET_OBJECT)).toBe('ImplicitlyDenied');
  });

  test('cannot write with the key, nor administer it', async () => {
    expect(await principal.decide('kms:GenerateDataKey', key)).toBe('ImplicitlyDenied');
    expect(await principal.decide('kms:ScheduleKeyDeletion', key)).toBe('ImplicitlyDenied');
  });

  test('adds partitions to its table only, and cannot create or delete tables', async () => {
    expect(await principal.decide('glue:BatchCreatePartition', arns.table)).toBe('Allowed');
    expect(await principal.decide('glue:UpdateTable', arns.table)).toBe('Allowed');
    expect(await principal.decide('glue:BatchCreatePartition', arns.otherTable)).toBe('ImplicitlyDenied');
    expect(await principal.decide('glue:CreateTable', arns.table)).toBe('ImplicitlyDenied');
    expect(await principal.decide('glue:DeleteTable', arns.table)).toBe('ImplicitlyDenied');
    expect(await principal.decide('glue:DeleteDatabase', arns.database)).toBe('ImplicitlyDenied');
  });

  test('writes only the Glue crawler log groups', async () => {
    const own = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/crawlers-role/x-y:log-stream:crawler`;
    expect(await principal.decide('logs:PutLogEvents', own)).toBe('Allowed');
    expect(await principal.decide('logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/other:log-stream:s`)).toBe('ImplicitlyDenied');
  });
});

describe('crawler role in schema-on-read mode', () => {
  test('may create its own table and no other', async () => {
    const { stack, catalog } = lakeWith(PartitionDiscovery.crawler(), false);
    const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(catalog.crawlerRole!.node.defaultChild as never));
    const arns = glueArns(catalog);
    expect(await principal.decide('glue:CreateTable', arns.table)).toBe('Allowed');
    expect(await principal.decide('glue:CreateTable', arns.otherTable)).toBe('ImplicitlyDenied');
  });
});

describe('registration function role', () => {
  test('reads its table and creates its partitions, nothing else', async () => {
    const { stack, lake, catalog } = lakeWith(PartitionDiscovery.eventDriven());
    const role = catalog.registrationFunction!.role!;
    const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(role.node.defaultChild as never));
    const arns = glueArns(catalog);
    expect(await principal.decide('glue:GetTable', arns.table)).toBe('Allowed');
    expect(await principal.decide('glue:BatchCreatePartition', arns.table)).toBe('Allowed');
    for (const action of ['glue:BatchDeletePartition', 'glue:UpdateTable', 'glue:DeleteTable']) {
      expect(await principal.decide(action, arns.table)).toBe('ImplicitlyDenied');
    }
    expect(await principal.decide('glue:BatchCreatePartition', arns.otherTable)).toBe('ImplicitlyDenied');
    const bucket = principal.arnOf(idOf(stack, lake.bucket));
    expect(await principal.decide('s3:GetObject', `${bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
  });
});

describe('grants', () => {
  function analyst() {
    const { stack, lake, catalog } = lakeWith();
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    return { stack, lake, catalog, role };
  }

  test('catalog grantRead reads the table and its objects, and writes nothing', async () => {
    const { stack, lake, catalog, role } = analyst();
    catalog.grantRead(role);
    const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(role.node.defaultChild as never));
    const bucket = principal.arnOf(idOf(stack, lake.bucket));
    const arns = glueArns(catalog);
    expect(await principal.decide('glue:GetTable', arns.table)).toBe('Allowed');
    expect(await principal.decide('glue:GetPartitions', arns.table)).toBe('Allowed');
    expect(await principal.decide('s3:GetObject', `${bucket}/clicks/year=2026/x.parquet`)).toBe('Allowed');
    expect(await principal.decide('s3:GetObject', `${bucket}/raw/clicks/x.gz`)).toBe('ImplicitlyDenied');
    for (const action of ['s3:PutObject', 's3:DeleteObject']) {
      expect(await principal.decide(action, `${bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    }
    for (const action of ['glue:UpdateTable', 'glue:BatchCreatePartition', 'glue:DeleteTable']) {
      expect(await principal.decide(action, arns.table)).toBe('ImplicitlyDenied');
    }
  });

  test('lake grantWrite puts under the table\'s three prefixes and reads nothing', async () => {
    const { stack, lake, role } = analyst();
    lake.grantWrite(role, 'clicks');
    const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(role.node.defaultChild as never));
    const bucket = principal.arnOf(idOf(stack, lake.bucket));
    for (const key of ['clicks/year=2026/x.parquet', 'raw/clicks/year=2026/x.gz', 'errors/clicks/format-conversion-failed/x']) {
      expect(await principal.decide('s3:PutObject', `${bucket}/${key}`)).toBe('Allowed');
      expect(await principal.decide('s3:GetObject', `${bucket}/${key}`)).toBe('ImplicitlyDenied');
      expect(await principal.decide('s3:DeleteObject', `${bucket}/${key}`)).toBe('ImplicitlyDenied');
    }
    expect(await principal.decide('s3:PutObject', `${bucket}/orders/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:PutObject', `${bucket}/raw/orders/x.gz`)).toBe('ImplicitlyDenied');
  });

  test('lake grantRead reads one table and writes nothing', async () => {
    const { stack, lake, role } = analyst();
    lake.grantRead(role, 'clicks');
    const principal = SimulatedPrincipal.ofRole(stack, stack.getLogicalId(role.node.defaultChild as never));
    const bucket = principal.arnOf(idOf(stack, lake.bucket));
    expect(await principal.decide('s3:GetObject', `${bucket}/clicks/year=2026/x.parquet`)).toBe('Allowed');
    expect(await principal.decide('s3:GetObject', `${bucket}/orders/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:PutObject', `${bucket}/clicks/year=2026/x.parquet`)).toBe('ImplicitlyDenied');
  });
});
