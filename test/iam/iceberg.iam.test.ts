import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, test } from 'vitest';
import { Column, ColumnType, IcebergOptions, NewlineStrategy, ServerlessDataLake, TableFormat } from '../../src';
import { SimulatedPrincipal, resolveIntrinsics } from '../support/iam';
import { ACCOUNT, REGION, newStack } from '../support/stack';

// The two roles of an Iceberg table, evaluated by an IAM policy simulator on the policies (and
// bucket and key policies) the template carries: the Firehose delivery role, which commits into
// the table, and the role of the Glue table optimizers, which rewrite and delete its files.
const COLUMNS: Column[] = [
  { name: 'order_id', type: ColumnType.STRING },
  { name: 'amount', type: ColumnType.decimal(10, 2) },
  { name: 'ordered_at', type: ColumnType.TIMESTAMP },
];
const OTHER_BUCKET = 'arn:aws:s3:::someone-elses-bucket';
const OTHER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/someone-elses`;
const OTHER_STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/someone-elses`;
const OTHER_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:someone-elses`;
// Where Iceberg puts the table's files: data files under data/ (hidden partitioning by hour of
// ordered_at), metadata, manifest lists and manifests under metadata/.
const TABLE_FILES = [
  'orders/data/ordered_at_hour=2026-01-02-03/00000-0-5f0c1e2d.parquet',
  'orders/data/ordered_at_hour=2026-01-02-03/00000-1-5f0c1e2d-deletes.parquet',
  'orders/metadata/00007-5f0c1e2d.metadata.json',
  'orders/metadata/snap-4711-1-5f0c1e2d.avro',
  'orders/metadata/5f0c1e2d-m0.avro',
];
const ERROR_FILE = 'errors/orders/DeliveryFailed/2026/01/02/03/orders-1-2026-01-02-03-04-05-5f0c1e2d';
// Keys the roles have no business with: raw backups and errors of this and other tables, other
// tables' data, and a table whose name merely starts with this one's.
const FOREIGN_KEYS = ['raw/orders/2026/01/02/03/x.gz', 'clicks/data/x.parquet', 'clicks/metadata/00001-x.metadata.json', 'errors/clicks/x', 'orders_archive/data/x.parquet'];
const OPTIMIZER_LOG_GROUPS = ['/aws-glue/iceberg-compaction/logs', '/aws-glue/iceberg-retention/logs', '/aws-glue/iceberg-orphan-file-deletion/logs'];

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function idOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

function setUp(o: { iceberg?: IcebergOptions; processor?: boolean } = {}) {
  const stack = newStack();
  const fn = o.processor
    ? new lambda.Function(stack, 'Enrich', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => ({ records: e.records.map((r) => ({ ...r, result: "Ok" })) });'),
    })
    : undefined;
  const lake = new ServerlessDataLake(stack, 'Orders', {
    tableName: 'orders',
    columns: COLUMNS,
    catalog: { tableFormat: TableFormat.iceberg({ partitionColumn: 'ordered_at', uniqueKeys: ['order_id'], ...o.iceberg }) },
    delivery: fn ? { newline: NewlineStrategy.lambdaFunction(fn) } : undefined,
  });
  const template = Template.fromStack(stack).toJSON() as { Resources: Resources };
  const delivery = SimulatedPrincipal.ofRole(stack, idOf(stack, lake.delivery.role));
  const optimizer = lake.catalog.optimizerRole ? SimulatedPrincipal.ofRole(stack, idOf(stack, lake.catalog.optimizerRole)) : undefined;
  const logGroup = template.Resources[idOf(stack, lake.delivery.logGroup)].Properties!.LogGroupName;
  const db = lake.catalog.databaseName;
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  return {
    stack,
    lake,
    template,
    delivery,
    optimizer,
    bucket: delivery.arnOf(idOf(stack, lake.lake.bucket)),
    lakeKey: delivery.arnOf(idOf(stack, lake.lake.encryptionKey!)),
    stream: delivery.arnOf(idOf(stack, lake.ingest.stream)),
    fn: fn ? delivery.arnOf(idOf(stack, fn)) : undefined,
    logGroupName: resolveIntrinsics(template.Resources, logGroup) as string,
    catalog: glue('catalog'),
    database: glue(`database/${db}`),
    table: glue(`table/${db}/orders`),
    otherTable: glue(`table/${db}/clicks`),
    otherDatabase: glue('database/someone_elses_db'),
    otherDatabaseTable: glue('table/someone_elses_db/orders'),
  };
}

/** s3:ListBucket with the prefix the caller lists, which the policies condition on. */
async function list(principal: SimulatedPrincipal, bucket: string, prefix: string): Promise<string> {
  const resourcePolicy = principal.resourcePolicyFor(bucket);
  const response = await runSimulation({
    identityPolicies: principal.policies.map((policy, i) => ({ name: `policy${i}`, policy: policy as never })),
    ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: { action: 's3:ListBucket', principal: principal.arn, resource: { resource: bucket, accountId: ACCOUNT }, contextVariables: { 's3:prefix': prefix } },
  }, {});
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

/** sts:AssumeRole by a service principal, evaluated against the role's trust policy. */
async function assume(template: { Resources: Resources }, roleLogicalId: string, service: string, context: Record<string, string>): Promise<string> {
  const trust = resolveIntrinsics(template.Resources, template.Resources[roleLogicalId].Properties!.AssumeRolePolicyDocument);
  const response = await runSimulation({
    identityPolicies: [],
    resourcePolicy: trust as never,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: 'sts:AssumeRole',
      principal: service,
      resource: { resource: `arn:aws:iam::${ACCOUNT}:role/${roleLogicalId}`, accountId: ACCOUNT },
      contextVariables: context,
    },
  }, {});
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

describe('Firehose delivery role (Iceberg destination)', () => {
  const s = setUp();
  const p = s.delivery;

  test.each(['glue:GetTable', 'glue:UpdateTable'])('%s on this catalog, database and table', async (action) => {
    for (const arn of [s.catalog, s.database, s.table]) expect(await p.decide(action, arn)).toBe('Allowed');
  });

  test('glue:GetDatabase on this catalog and database (Glue authorizes it on no table)', async () => {
    for (const arn of [s.catalog, s.database]) expect(await p.decide('glue:GetDatabase', arn)).toBe('Allowed');
  });

  test('no Glue access to another table or database', async () => {
    for (const action of ['glue:GetTable', 'glue:UpdateTable']) {
      expect(await p.decide(action, s.otherTable)).toBe('ImplicitlyDenied');
      expect(await p.decide(action, s.otherDatabaseTable)).toBe('ImplicitlyDenied');
    }
    expect(await p.decide('glue:GetDatabase', s.otherDatabase)).toBe('ImplicitlyDenied');
  });

  test.each(['glue:CreateTable', 'glue:DeleteTable', 'glue:BatchCreatePartition', 'glue:CreateDatabase', 'glue:DeleteDatabase'])(
    'cannot %s', async (action) => {
      expect(await p.decide(action, action.endsWith('Database') ? s.database : s.table)).toBe('ImplicitlyDenied');
    },
  );

  test.each(['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'])('%s on the table\'s data and metadata files', async (action) => {
    for (const key of TABLE_FILES) expect(await p.decide(action, `${s.bucket}/${key}`)).toBe('Allowed');
  });

  test('writes failed records under errors/orders/, and deletes no error output', async () => {
    expect(await p.decide('s3:PutObject', `${s.bucket}/${ERROR_FILE}`)).toBe('Allowed');
    expect(await p.decide('s3:AbortMultipartUpload', `${s.bucket}/${ERROR_FILE}`)).toBe('Allowed');
    expect(await p.decide('s3:DeleteObject', `${s.bucket}/${ERROR_FILE}`)).toBe('ImplicitlyDenied');
    expect(await p.decide('s3:DeleteObject', `${s.bucket}/raw/orders/2026/01/02/03/x.gz`)).toBe('ImplicitlyDenied');
    expect(await p.decide('s3:DeleteObjectVersion', `${s.bucket}/${TABLE_FILES[0]}`)).toBe('ImplicitlyDenied');
  });

  test.each(['clicks/data/x.parquet', 'clicks/metadata/00001-x.metadata.json', 'errors/clicks/x', 'orders_archive/data/x.parquet'])(
    'no object action under another table\'s prefix: %s', async (key) => {
      for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload']) {
        expect(await p.decide(action, `${s.bucket}/${key}`)).toBe('ImplicitlyDenied');
      }
    },
  );

  // An Iceberg delivery keeps no raw backup (S3BackupMode FailedDataOnly, failed records go under
  // errors/orders/), yet the role may put and get under raw/orders/: wider than it needs. Remove
  // `.fails` once the Iceberg delivery no longer grants the raw-backup prefix.
  test('cannot put or get under raw/orders/, which an Iceberg delivery never writes', async () => {
    expect(await p.decide('s3:PutObject', `${s.bucket}/raw/orders/2026/01/02/03/x.gz`)).toBe('ImplicitlyDenied');
  });

  test('no object action in another bucket', async () => {
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']) {
      expect(await p.decide(action, `${OTHER_BUCKET}/${TABLE_FILES[0]}`)).toBe('ImplicitlyDenied');
    }
    expect(await p.decide('s3:ListBucket', OTHER_BUCKET)).toBe('ImplicitlyDenied');
  });

  test.each(['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:GetBucketLocation'])('%s on the lake bucket', async (action) => {
    expect(await p.decide(action, s.bucket)).toBe('Allowed');
  });

  test('cannot change the lake bucket', async () => {
    for (const action of ['s3:PutBucketPolicy', 's3:DeleteBucket', 's3:PutLifecycleConfiguration']) {
      expect(await p.decide(action, s.bucket)).toBe('ImplicitlyDenied');
    }
  });

  test.each(['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'])(
    'reads its stream: %s, and no other', async (action) => {
      expect(await p.decide(action, s.stream)).toBe('Allowed');
      expect(await p.decide(action, OTHER_STREAM)).toBe('ImplicitlyDenied');
    },
  );

  test.each(['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:DeleteStream'])('cannot %s', async (action) => {
    expect(await p.decide(action, s.stream)).toBe('ImplicitlyDenied');
  });

  test('encrypts and decrypts with the lake key only, and cannot administer it', async () => {
    expect(await p.decide('kms:GenerateDataKey', s.lakeKey)).toBe('Allowed');
    expect(await p.decide('kms:Decrypt', s.lakeKey)).toBe('Allowed');
    expect(await p.decide('kms:GenerateDataKey', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await p.decide('kms:Decrypt', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await p.decide('kms:ScheduleKeyDeletion', s.lakeKey)).toBe('ImplicitlyDenied');
  });

  test('invokes no Lambda: the upsert metadata extraction runs in Firehose', async () => {
    expect(s.fn).toBeUndefined();
    expect(await p.decide('lambda:InvokeFunction', OTHER_FUNCTION)).toBe('ImplicitlyDenied');
  });

  test('puts log events in its own log group\'s streams only', async () => {
    expect(s.logGroupName).toMatch(/^\/aws\/kinesisfirehose\//);
    const own = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${s.logGroupName}`;
    expect(await p.decide('logs:PutLogEvents', `${own}:log-stream:DestinationDelivery`)).toBe('Allowed');
    expect(await p.decide('logs:PutLogEvents', `${own}:log-stream:BackupDelivery`)).toBe('Allowed');
    expect(await p.decide('logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/kinesisfirehose/other:log-stream:x`)).toBe('ImplicitlyDenied');
    expect(await p.decide('logs:CreateLogStream', `${own}:log-stream:x`)).toBe('ImplicitlyDenied');
    expect(await p.decide('logs:DeleteLogGroup', `${own}:*`)).toBe('ImplicitlyDenied');
  });

  test('is trusted by Firehose with this account as external ID, and by nothing else', async () => {
    const role = idOf(s.stack, s.lake.delivery.role);
    expect(await assume(s.template, role, 'firehose.amazonaws.com', { 'sts:ExternalId': ACCOUNT })).toBe('Allowed');
    expect(await assume(s.template, role, 'firehose.amazonaws.com', { 'sts:ExternalId': '210987654321' })).toBe('ImplicitlyDenied');
    expect(await assume(s.template, role, 'firehose.amazonaws.com', {})).toBe('ImplicitlyDenied');
    expect(await assume(s.template, role, 'glue.amazonaws.com', { 'sts:ExternalId': ACCOUNT })).toBe('ImplicitlyDenied');
  });
});

describe('Firehose delivery role with a processor Lambda', () => {
  test('invokes the processor only', async () => {
    const s = setUp({ processor: true });
    expect(await s.delivery.decide('lambda:InvokeFunction', s.fn!)).toBe('Allowed');
    expect(await s.delivery.decide('lambda:GetFunctionConfiguration', s.fn!)).toBe('Allowed');
    expect(await s.delivery.decide('lambda:InvokeFunction', OTHER_FUNCTION)).toBe('ImplicitlyDenied');
    expect(await s.delivery.decide('lambda:UpdateFunctionCode', s.fn!)).toBe('ImplicitlyDenied');
    expect(await s.delivery.decide('glue:UpdateTable', s.table)).toBe('Allowed');
  });
});

describe('Glue table optimizer role (compaction, retention, orphan file deletion)', () => {
  const s = setUp();
  const p = s.optimizer!;

  test('is the role of the three optimizers', () => {
    expect(s.lake.catalog.tableOptimizers.map((o) => o.type).sort()).toEqual(['compaction', 'orphan_file_deletion', 'retention']);
  });

  test.each(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'])('%s on the table\'s data and metadata files', async (action) => {
    for (const key of TABLE_FILES) expect(await p.decide(action, `${s.bucket}/${key}`)).toBe('Allowed');
  });

  test.each([...FOREIGN_KEYS, ERROR_FILE])('no object action on %s', async (key) => {
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(await p.decide(action, `${s.bucket}/${key}`)).toBe('ImplicitlyDenied');
    }
  });

  test('no object action in another bucket, and no version deletes', async () => {
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(await p.decide(action, `${OTHER_BUCKET}/${TABLE_FILES[0]}`)).toBe('ImplicitlyDenied');
    }
    expect(await p.decide('s3:DeleteObjectVersion', `${s.bucket}/${TABLE_FILES[0]}`)).toBe('ImplicitlyDenied');
  });

  test('lists the table\'s location only', async () => {
    for (const prefix of ['orders/', 'orders/data/', 'orders/metadata/']) expect(await list(p, s.bucket, prefix)).toBe('Allowed');
    for (const prefix of ['', 'raw/', 'errors/orders/', 'clicks/', 'orders_archive/']) expect(await list(p, s.bucket, prefix)).toBe('ImplicitlyDenied');
    expect(await list(p, OTHER_BUCKET, 'orders/')).toBe('ImplicitlyDenied');
  });

  // The table's location is s3://<bucket>/orders (no trailing slash): orphan file deletion may
  // list that bare prefix, so it is granted (it reveals key names of look-alike prefixes only).
  test('lists with the bare prefix "orders" of the table location', async () => {
    expect(await list(p, s.bucket, 'orders')).toBe('Allowed');
  });

  test('reads and updates this table only, and cannot delete it', async () => {
    for (const action of ['glue:GetTable', 'glue:UpdateTable']) {
      expect(await p.decide(action, s.table)).toBe('Allowed');
      expect(await p.decide(action, s.otherTable)).toBe('ImplicitlyDenied');
      expect(await p.decide(action, s.otherDatabaseTable)).toBe('ImplicitlyDenied');
    }
    for (const action of ['glue:DeleteTable', 'glue:CreateTable', 'glue:BatchCreatePartition']) expect(await p.decide(action, s.table)).toBe('ImplicitlyDenied');
    expect(await p.decide('glue:DeleteDatabase', s.database)).toBe('ImplicitlyDenied');
  });

  test.each(OPTIMIZER_LOG_GROUPS)('writes its logs to %s', async (group) => {
    const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;
    expect(await p.decide('logs:CreateLogGroup', `${arn}:*`)).toBe('Allowed');
    expect(await p.decide('logs:CreateLogStream', `${arn}:log-stream:orders-5f0c1e2d`)).toBe('Allowed');
    expect(await p.decide('logs:PutLogEvents', `${arn}:log-stream:orders-5f0c1e2d`)).toBe('Allowed');
    expect(await p.decide('logs:DeleteLogGroup', `${arn}:*`)).toBe('ImplicitlyDenied');
  });

  test.each(['/aws-glue/crawlers', '/aws-glue/iceberg-compaction/logs-other', '/aws/lambda/other'])('writes no logs to %s', async (group) => {
    const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;
    expect(await p.decide('logs:CreateLogGroup', `${arn}:*`)).toBe('ImplicitlyDenied');
    expect(await p.decide('logs:CreateLogStream', `${arn}:log-stream:x`)).toBe('ImplicitlyDenied');
    expect(await p.decide('logs:PutLogEvents', `${arn}:log-stream:x`)).toBe('ImplicitlyDenied');
  });

  test('uses the lake key only, and cannot administer it', async () => {
    expect(await p.decide('kms:Decrypt', s.lakeKey)).toBe('Allowed');
    expect(await p.decide('kms:GenerateDataKey', s.lakeKey)).toBe('Allowed');
    expect(await p.decide('kms:Decrypt', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await p.decide('kms:GenerateDataKey', OTHER_KEY)).toBe('ImplicitlyDenied');
    expect(await p.decide('kms:ScheduleKeyDeletion', s.lakeKey)).toBe('ImplicitlyDenied');
  });

  test('touches neither the stream nor Firehose', async () => {
    expect(await p.decide('kinesis:GetRecords', s.stream)).toBe('ImplicitlyDenied');
    expect(await p.decide('lambda:InvokeFunction', OTHER_FUNCTION)).toBe('ImplicitlyDenied');
  });

  // The trust policy Glue documents for optimizer roles (no aws:SourceAccount: Glue does not
  // document passing it when it assumes them).
  test('is trusted by Glue, and by no other service', async () => {
    const role = idOf(s.stack, s.lake.catalog.optimizerRole!);
    expect(await assume(s.template, role, 'glue.amazonaws.com', { 'aws:SourceAccount': ACCOUNT })).toBe('Allowed');
    expect(await assume(s.template, role, 'glue.amazonaws.com', {})).toBe('Allowed');
    expect(await assume(s.template, role, 'firehose.amazonaws.com', { 'aws:SourceAccount': ACCOUNT })).toBe('ImplicitlyDenied');
    expect(await assume(s.template, role, 'lambda.amazonaws.com', {})).toBe('ImplicitlyDenied');
  });
});

describe('optimizer role with orphan file deletion only', () => {
  const s = setUp({ iceberg: { compaction: false, snapshotRetention: false } });
  const p = s.optimizer!;

  test('gets and deletes the table\'s files, and writes none', async () => {
    expect(s.lake.catalog.tableOptimizers.map((o) => o.type)).toEqual(['orphan_file_deletion']);
    for (const key of TABLE_FILES) {
      expect(await p.decide('s3:GetObject', `${s.bucket}/${key}`)).toBe('Allowed');
      expect(await p.decide('s3:DeleteObject', `${s.bucket}/${key}`)).toBe('Allowed');
      expect(await p.decide('s3:PutObject', `${s.bucket}/${key}`)).toBe('ImplicitlyDenied');
    }
    expect(await list(p, s.bucket, 'orders/data/')).toBe('Allowed');
  });

  test('reads the table, and does not update it', async () => {
    expect(await p.decide('glue:GetTable', s.table)).toBe('Allowed');
    expect(await p.decide('glue:UpdateTable', s.table)).toBe('ImplicitlyDenied');
  });

  test('writes the orphan file deletion logs only', async () => {
    const [compaction, retention, orphan] = OPTIMIZER_LOG_GROUPS.map((g) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${g}:log-stream:x`);
    expect(await p.decide('logs:PutLogEvents', orphan)).toBe('Allowed');
    expect(await p.decide('logs:PutLogEvents', compaction)).toBe('ImplicitlyDenied');
    expect(await p.decide('logs:PutLogEvents', retention)).toBe('ImplicitlyDenied');
  });
});

describe('all optimizers off', () => {
  test('no optimizer and no optimizer role', () => {
    const s = setUp({ iceberg: { compaction: false, snapshotRetention: false, orphanFileDeletion: false } });
    expect(s.optimizer).toBeUndefined();
    expect(s.lake.catalog.optimizerRole).toBeUndefined();
    expect(s.lake.catalog.tableOptimizers).toEqual([]);
    const resources = Object.values(s.template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::Glue::TableOptimizer')).toEqual([]);
    const roles = resources.filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.map((r) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument)).filter((d) => d.includes('glue.amazonaws.com'))).toEqual([]);
  });
});
