import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, test } from 'vitest';
import { AthenaQueryLayer, ColumnType, CrawledCatalog, PartitionedParquetLake, QueryResultsLocation, TableSchema } from '../../src';
import { SimulatedPrincipal } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// grantQuery, evaluated by an IAM policy simulator on the policies (and bucket and key policies)
// the template carries: what an analyst can do, and everything next to it they cannot.
const SCHEMA = new TableSchema([{ name: 'id', type: ColumnType.STRING }]);

function idOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

describe.each([
  ['a results bucket of its own', false],
  ['results under a prefix of the lake bucket', true],
])('grantQuery, %s', (_name, inLake) => {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const clicks = new CrawledCatalog(stack, 'Clicks', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
  const orders = new CrawledCatalog(stack, 'Orders', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA });
  const layer = new AthenaQueryLayer(stack, 'Queries', {
    tables: [clicks],
    results: inLake ? QueryResultsLocation.inBucket(lake.bucket, 'athena-results/') : undefined,
  });
  const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
  const grant = layer.grantQuery(analyst);
  const principal = SimulatedPrincipal.ofRole(stack, idOf(stack, analyst));
  const lakeBucket = principal.arnOf(idOf(stack, lake.bucket));
  const resultsBucket = principal.arnOf(idOf(stack, layer.resultsBucket));
  const lakeKey = principal.arnOf(idOf(stack, lake.encryptionKey!));
  const workGroup = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${layer.workGroupName}`;
  const otherWorkGroup = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary`;
  const db = clicks.databaseName;
  const glue = {
    catalog: `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
    database: `arn:aws:glue:${REGION}:${ACCOUNT}:database/${db}`,
    table: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${db}/clicks`,
    orders: `arn:aws:glue:${REGION}:${ACCOUNT}:table/${orders.databaseName}/orders`,
  };

  test('the grant succeeded on the principal', () => {
    expect(grant.success).toBe(true);
  });

  test.each([
    'athena:StartQueryExecution',
    'athena:StopQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    'athena:GetWorkGroup',
    'athena:GetNamedQuery',
    'athena:GetPreparedStatement',
  ])('can %s in this workgroup, not in another', async (action) => {
    expect(await principal.decide(action, workGroup)).toBe('Allowed');
    expect(await principal.decide(action, otherWorkGroup)).toBe('ImplicitlyDenied');
  });

  test.each(['athena:DeleteWorkGroup', 'athena:UpdateWorkGroup', 'athena:CreateNamedQuery', 'athena:DeleteNamedQuery', 'athena:CreatePreparedStatement'])(
    'cannot %s',
    async (action) => {
      expect(await principal.decide(action, workGroup)).toBe('ImplicitlyDenied');
    },
  );

  test('reads the table\'s catalog entries, not another table\'s', async () => {
    for (const arn of [glue.catalog, glue.database, glue.table]) expect(await principal.decide('glue:GetTable', arn)).toBe('Allowed');
    expect(await principal.decide('glue:GetPartitions', glue.table)).toBe('Allowed');
    expect(await principal.decide('glue:GetTable', glue.orders)).toBe('ImplicitlyDenied');
    expect(await principal.decide('glue:UpdateTable', glue.table)).toBe('ImplicitlyDenied');
    expect(await principal.decide('glue:CreatePartition', glue.table)).toBe('ImplicitlyDenied');
  });

  test('reads the table\'s data and decrypts it with the lake key', async () => {
    expect(await principal.decide('s3:GetObject', `${lakeBucket}/clicks/year=2026/month=12/day=03/hour=14/part.parquet`)).toBe('Allowed');
    expect(await principal.decide('kms:Decrypt', lakeKey)).toBe('Allowed');
  });

  test.each([
    ['raw backups', 'raw/clicks/2026/12/03/14/x.gz'],
    ['error output', 'errors/clicks/format-conversion-failed/x'],
    ['another table', 'orders/year=2026/month=12/day=03/hour=14/x.parquet'],
  ])('cannot read %s', async (_what, key) => {
    expect(await principal.decide('s3:GetObject', `${lakeBucket}/${key}`)).toBe('ImplicitlyDenied');
  });

  test.each(['s3:PutObject', 's3:DeleteObject'])('cannot %s in the table\'s data', async (action) => {
    expect(await principal.decide(action, `${lakeBucket}/clicks/year=2026/month=12/day=03/hour=14/part.parquet`)).toBe('ImplicitlyDenied');
  });

  test('reads and writes query results under the results prefix only', async () => {
    const result = `${resultsBucket}/athena-results/0f1e2d3c-4b5a.csv`;
    expect(await principal.decide('s3:PutObject', result)).toBe('Allowed');
    expect(await principal.decide('s3:GetObject', result)).toBe('Allowed');
    expect(await principal.decide('s3:GetBucketLocation', resultsBucket)).toBe('Allowed');
    expect(await principal.decide('s3:PutObject', `${resultsBucket}/elsewhere/x.csv`)).toBe('ImplicitlyDenied');
    expect(await principal.decide('s3:DeleteObject', result)).toBe('ImplicitlyDenied');
  });

  test('encrypts results with the results key', async () => {
    const key = principal.arnOf(idOf(stack, layer.encryptionKey as never));
    expect(await principal.decide('kms:GenerateDataKey', key)).toBe('Allowed');
    expect(await principal.decide('kms:Decrypt', key)).toBe('Allowed');
    expect(await principal.decide('kms:ScheduleKeyDeletion', key)).toBe('ImplicitlyDenied');
  });

  test('cannot read other buckets', async () => {
    expect(await principal.decide('s3:GetObject', 'arn:aws:s3:::someone-elses-bucket/clicks/x.parquet')).toBe('ImplicitlyDenied');
  });
});

test('a table added after grantQuery is granted to the same analyst', async () => {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const clicks = new CrawledCatalog(stack, 'Clicks', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
  const layer = new AthenaQueryLayer(stack, 'Queries', { tables: [clicks] });
  const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
  layer.grantQuery(analyst);
  const orders = new CrawledCatalog(stack, 'Orders', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA });
  layer.addTable(orders);
  const principal = SimulatedPrincipal.ofRole(stack, idOf(stack, analyst));
  const lakeBucket = principal.arnOf(idOf(stack, lake.bucket));
  expect(await principal.decide('glue:GetTable', `arn:aws:glue:${REGION}:${ACCOUNT}:table/${orders.databaseName}/orders`)).toBe('Allowed');
  expect(await principal.decide('s3:GetObject', `${lakeBucket}/orders/year=2026/month=12/day=03/hour=14/x.parquet`)).toBe('Allowed');
});
