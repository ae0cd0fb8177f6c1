import { Duration, Size, Stack, TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, test } from 'vitest';
import {
  AthenaQueryLayer,
  Column,
  ColumnType,
  CrawledCatalog,
  IcebergOptions,
  LakeMonitoring,
  NewlineStrategy,
  NewlineTransformFirehose,
  NewlineTransformFirehoseProps,
  PartitionDiscovery,
  PartitionLayout,
  PartitionedParquetLake,
  QuickSightDataSet,
  ServerlessDataLake,
  StreamIngest,
  TableFormat,
  TableSchema,
} from '../src';
import { newStack } from './support/stack';

const COLUMNS: Column[] = [
  { name: 'order_id', type: ColumnType.STRING, comment: 'the order' },
  { name: 'amount', type: ColumnType.decimal(10, 2) },
  { name: 'ordered_at', type: ColumnType.TIMESTAMP },
  { name: 'ordered_on', type: ColumnType.DATE },
  { name: 'score', type: ColumnType.DOUBLE },
];
const SCHEMA = new TableSchema(COLUMNS);

interface SetUpOptions {
  readonly iceberg?: IcebergOptions;
  readonly layout?: PartitionLayout;
  readonly schema?: TableSchema | null;
  readonly catalog?: Record<string, unknown>;
  readonly delivery?: Partial<NewlineTransformFirehoseProps>;
  readonly noDelivery?: boolean;
}

function setUp(o: SetUpOptions = {}) {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', o.layout ? { layout: o.layout } : {});
  const catalog = new CrawledCatalog(stack, 'Catalog', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'orders',
    schema: o.schema === null ? undefined : o.schema ?? SCHEMA,
    tableFormat: TableFormat.iceberg(o.iceberg),
    ...o.catalog,
  });
  let delivery: NewlineTransformFirehose | undefined;
  if (!o.noDelivery) {
    const ingest = new StreamIngest(stack, 'Ingest');
    delivery = new NewlineTransformFirehose(stack, 'Delivery', {
      stream: ingest.stream,
      bucket: lake.bucket,
      layout: lake.layout,
      tableName: 'orders',
      table: catalog.table,
      ...o.delivery,
    });
  }
  return { stack, lake, catalog, delivery, t: Template.fromStack(stack) };
}

function only(t: Template, type: string) {
  const found = Object.values(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, any>; DependsOn?: string[] };
}

function byType(t: Template, type: string) {
  return Object.entries(t.findResources(type)) as Array<[string, { Properties: Record<string, any>; DependsOn?: string[] }]>;
}

function icebergInput(t: Template) {
  return only(t, 'AWS::Glue::Table').Properties.OpenTableFormatInput.IcebergInput;
}

function optimizer(t: Template, type: string) {
  const found = byType(t, 'AWS::Glue::TableOptimizer').filter(([, r]) => r.Properties.Type === type);
  expect(found).toHaveLength(1);
  return found[0];
}

function catalogError(...problems: string[]): string {
  const body = problems.length === 1 ? problems[0] : problems.map((p) => `\n  - ${p}`).join('');
  return `CrawledCatalog at 'TestStack/Catalog': ${body}`;
}

function deliveryError(problem: string): string {
  return `NewlineTransformFirehose at 'TestStack/Delivery': ${problem}`;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, got none');
}

describe('TableFormat', () => {
  test('HIVE_PARQUET is the default format of a catalog, and not Iceberg', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA });
    expect(catalog.tableFormat).toBe(TableFormat.HIVE_PARQUET);
    expect(TableFormat.HIVE_PARQUET.isIceberg).toBe(false);
    expect(TableFormat.HIVE_PARQUET.name).toBe('HIVE_PARQUET');
    expect(TableFormat.HIVE_PARQUET.icebergOptions).toBeUndefined();
  });

  test('iceberg() carries its options', () => {
    const format = TableFormat.iceberg({ partitionColumn: 'ordered_at' });
    expect(format.isIceberg).toBe(true);
    expect(format.name).toBe('ICEBERG');
    expect(format.icebergOptions).toEqual({ partitionColumn: 'ordered_at' });
  });
});

describe('the Iceberg table', () => {
  test('is declared by Glue from the schema: format version 2, the table location without a trailing slash, no Hive input', () => {
    const { t, catalog, lake, stack } = setUp();
    const table = only(t, 'AWS::Glue::Table');
    expect(table.Properties.TableInput).toBeUndefined();
    expect(table.Properties.Name).toBe('orders');
    expect(table.Properties.DatabaseName).toBe(catalog.databaseName);
    expect(table.Properties.CatalogId).toBe('123456789012');
    const input = icebergInput(t);
    expect(input.MetadataOperation).toBe('CREATE');
    expect(input.Version).toBe('2');
    expect(stack.resolve(catalog.tableLocation())).toEqual({ 'Fn::Join': ['', ['s3://', stack.resolve(lake.bucket.bucketName), '/orders']] });
    expect(input.IcebergTableInput.Location).toEqual(stack.resolve(catalog.tableLocation()));
    expect(table.DependsOn).toEqual([stack.getLogicalId(catalog.databaseResource!)]);
  });

  test('maps the columns to Iceberg fields in order: ids from 1, optional, comments as docs; no identifier fields, no partition spec by default', () => {
    const { t } = setUp();
    const schema = icebergInput(t).IcebergTableInput.Schema;
    expect(schema).toEqual({
      Type: 'struct',
      SchemaId: 0,
      Fields: [
        { Id: 1, Name: 'order_id', Type: 'string', Required: false, Doc: 'the order' },
        { Id: 2, Name: 'amount', Type: 'decimal(10,2)', Required: false },
        { Id: 3, Name: 'ordered_at', Type: 'timestamp', Required: false },
        { Id: 4, Name: 'ordered_on', Type: 'date', Required: false },
        { Id: 5, Name: 'score', Type: 'double', Required: false },
      ],
    });
    expect(icebergInput(t).IcebergTableInput.PartitionSpec).toBeUndefined();
  });

  test('every type Iceberg can store maps to its Iceberg name', () => {
    const types: Array<[ColumnType, string]> = [
      [ColumnType.STRING, 'string'],
      [ColumnType.BIGINT, 'long'],
      [ColumnType.INT, 'int'],
      [ColumnType.DOUBLE, 'double'],
      [ColumnType.FLOAT, 'float'],
      [ColumnType.BOOLEAN, 'boolean'],
      [ColumnType.DATE, 'date'],
      [ColumnType.TIMESTAMP, 'timestamp'],
      [ColumnType.BINARY, 'binary'],
      [ColumnType.decimal(38, 10), 'decimal(38,10)'],
      [ColumnType.fromString('BIGINT'), 'long'],
    ];
    const { t } = setUp({ schema: new TableSchema(types.map(([type], i) => ({ name: `c${i}`, type }))) });
    expect(icebergInput(t).IcebergTableInput.Schema.Fields.map((f: { Type: string }) => f.Type)).toEqual(types.map(([, name]) => name));
  });

  test.each([
    [ColumnType.TINYINT, 'Iceberg has no 8-bit integer: use ColumnType.INT'],
    [ColumnType.SMALLINT, 'Iceberg has no 16-bit integer: use ColumnType.INT'],
    [ColumnType.varchar(10), 'Iceberg has no length-limited strings: use ColumnType.STRING'],
    [ColumnType.fixedChar(3), 'Iceberg has no length-limited strings: use ColumnType.STRING'],
    [ColumnType.array(ColumnType.STRING), 'nested types are not offered for Iceberg yet'],
    [ColumnType.map(ColumnType.STRING, ColumnType.INT), 'nested types are not offered for Iceberg yet'],
    [ColumnType.struct([{ name: 'a', type: ColumnType.INT }]), 'nested types are not offered for Iceberg yet'],
    [ColumnType.fromString('interval'), "'interval' is not a type this library maps to Iceberg"],
  ])('rejects a column of type %s, saying why and what to use', (type, why) => {
    const message = thrown(() => setUp({ schema: new TableSchema([{ name: 'x', type }]), noDelivery: true }));
    expect(message).toContain(`CrawledCatalog at 'TestStack/Catalog': column 'x' has type ${type.inputString}, which Iceberg cannot store as declared: ${why}`);
  });

  test('a table description becomes the Iceberg comment property; commit retries are raised for concurrent writers', () => {
    const { t } = setUp({ catalog: { tableDescription: 'orders from the shop' } });
    expect(icebergInput(t).IcebergTableInput.Properties).toEqual({ 'comment': 'orders from the shop', 'commit.retry.num-retries': '10' });
    expect(icebergInput(setUp().t).IcebergTableInput.Properties).toEqual({ 'commit.retry.num-retries': '10' });
  });

  test('has no catalog partition keys, and its location comes from the layout', () => {
    const { catalog, lake, stack } = setUp({ noDelivery: true });
    expect(catalog.partitionKeys).toEqual([]);
    expect(stack.resolve(catalog.tableLocation())).toEqual(stack.resolve(lake.layout.icebergTableLocation(lake.bucket.bucketName, 'orders')));
    expect(new PartitionLayout().icebergTableLocation('my-lake', 'orders')).toBe('s3://my-lake/orders');
  });

  test('a column may be named like a Hive partition key: Iceberg has none', () => {
    const { t } = setUp({ schema: new TableSchema([{ name: 'year', type: ColumnType.INT }]) });
    expect(icebergInput(t).IcebergTableInput.Schema.Fields[0].Name).toBe('year');
  });

  test('discovery is the table\'s own metadata: no crawler, no registration, no projection parameters', () => {
    const { t, catalog } = setUp();
    expect(catalog.partitionDiscovery._kind).toBe('ICEBERG');
    t.resourceCountIs('AWS::Glue::Crawler', 0);
    t.resourceCountIs('AWS::Lambda::Function', 0);
    t.resourceCountIs('AWS::Events::Rule', 0);
    expect(catalog.crawler).toBeUndefined();
    expect(catalog.registrationFunction).toBeUndefined();
  });
});

describe('partitioning', () => {
  test.each([
    [PartitionLayout.hourly(), 'hour'],
    [PartitionLayout.daily(), 'day'],
    [PartitionLayout.monthly(), 'month'],
  ])('the layout\'s granularity becomes the transform of the partition column', (layout, transform) => {
    const { t } = setUp({ layout, iceberg: { partitionColumn: 'ordered_at' } });
    expect(icebergInput(t).IcebergTableInput.PartitionSpec).toEqual({
      SpecId: 0,
      Fields: [{ SourceId: 3, FieldId: 1000, Name: `ordered_at_${transform}`, Transform: transform }],
    });
  });

  test('a DATE column partitions daily and monthly', () => {
    const { t } = setUp({ layout: PartitionLayout.daily(), iceberg: { partitionColumn: 'ordered_on' } });
    expect(icebergInput(t).IcebergTableInput.PartitionSpec.Fields).toEqual([{ SourceId: 4, FieldId: 1000, Name: 'ordered_on_day', Transform: 'day' }]);
  });

  test('rejects an hourly DATE partition, a column that is not a time, and a column that does not exist', () => {
    expect(thrown(() => setUp({ iceberg: { partitionColumn: 'ordered_on' }, noDelivery: true }))).toBe(
      catalogError("partitionColumn 'ordered_on' is a DATE, which has no hours, got an hourly layout: use PartitionLayout.daily() or monthly(), or partition by a TIMESTAMP column"),
    );
    expect(thrown(() => setUp({ iceberg: { partitionColumn: 'amount' }, noDelivery: true }))).toBe(
      catalogError("partitionColumn 'amount' has type decimal(10,2): Iceberg's time transforms need a TIMESTAMP or DATE column"),
    );
    expect(thrown(() => setUp({ iceberg: { partitionColumn: 'when' }, noDelivery: true }))).toBe(
      catalogError("partitionColumn names 'when', which is not a column of the schema (order_id, amount, ordered_at, ordered_on, score): name a TIMESTAMP or DATE column"),
    );
  });
});

describe('unique keys', () => {
  test('become required identifier fields', () => {
    const { t } = setUp({ iceberg: { uniqueKeys: ['order_id', 'ordered_on'] } });
    const schema = icebergInput(t).IcebergTableInput.Schema;
    expect(schema.IdentifierFieldIds).toEqual([1, 4]);
    expect(schema.Fields.map((f: { Required: boolean }) => f.Required)).toEqual([true, false, false, true, false]);
  });

  test('rejects keys that are not columns, floating point, repeated, or none at all', () => {
    expect(thrown(() => setUp({ iceberg: { uniqueKeys: ['id'] }, noDelivery: true }))).toBe(
      catalogError("uniqueKeys names 'id', which is not a column of the schema (order_id, amount, ordered_at, ordered_on, score): name a declared column"),
    );
    expect(thrown(() => setUp({ iceberg: { uniqueKeys: ['score'] }, noDelivery: true }))).toBe(
      catalogError("uniqueKeys names 'score' of type double: Iceberg identifier fields cannot be floating point; use an exact type (STRING, BIGINT, DECIMAL)"),
    );
    expect(thrown(() => setUp({ iceberg: { uniqueKeys: ['order_id', 'order_id'] }, noDelivery: true }))).toBe(
      catalogError('uniqueKeys must not repeat a column, got order_id, order_id: name each key once'),
    );
    expect(thrown(() => setUp({ iceberg: { uniqueKeys: [] }, noDelivery: true }))).toBe(
      catalogError('uniqueKeys must name at least one column, got none: name the columns that identify a row, or leave uniqueKeys out for an append-only table'),
    );
  });
});

describe('catalog validation with Iceberg', () => {
  test('needs a schema', () => {
    expect(thrown(() => setUp({ schema: null, noDelivery: true }))).toBe(
      catalogError(
        'tableFormat TableFormat.iceberg() needs a schema, got none: declare schema (Iceberg tables are declared, not crawled), or use TableFormat.HIVE_PARQUET for schema-on-read',
      ),
    );
  });

  test.each([
    ['PartitionDiscovery.projection()', PartitionDiscovery.projection()],
    ['PartitionDiscovery.eventDriven()', PartitionDiscovery.eventDriven()],
    ['PartitionDiscovery.crawler()', PartitionDiscovery.crawler()],
  ])('rejects partitionDiscovery %s', (name, partitionDiscovery) => {
    expect(thrown(() => setUp({ catalog: { partitionDiscovery }, noDelivery: true }))).toBe(
      catalogError(
        `partitionDiscovery ${name} registers Hive-style partitions, got it with TableFormat.iceberg(), whose table tracks its own files: remove partitionDiscovery (PartitionDiscovery.icebergMetadata() is the default)`,
      ),
    );
  });

  test('accepts PartitionDiscovery.icebergMetadata() given explicitly, and rejects it for a Hive-style table', () => {
    expect(setUp({ catalog: { partitionDiscovery: PartitionDiscovery.icebergMetadata() } }).catalog.partitionDiscovery._kind).toBe('ICEBERG');
    const hive = { partitionDiscovery: PartitionDiscovery.icebergMetadata(), tableFormat: TableFormat.HIVE_PARQUET };
    expect(thrown(() => setUp({ catalog: hive, noDelivery: true }))).toBe(
      catalogError(
        'partitionDiscovery PartitionDiscovery.icebergMetadata() is for Iceberg tables, got it with TableFormat.HIVE_PARQUET: Athena would never see a partition; choose projection(), eventDriven() or crawler(), or use TableFormat.iceberg()',
      ),
    );
  });

  test('rejects encryptionKey: nothing runs whose logs it would encrypt', () => {
    const message = thrown(() => {
      const stack = newStack();
      const lake = new PartitionedParquetLake(stack, 'Lake');
      new CrawledCatalog(stack, 'Catalog', {
        bucket: lake.bucket,
        layout: lake.layout,
        tableName: 'orders',
        schema: SCHEMA,
        tableFormat: TableFormat.iceberg(),
        encryptionKey: new kms.Key(stack, 'Key'),
      });
    });
    expect(message).toBe(
      catalogError('encryptionKey encrypts the logs of the crawler or the registration function, got it with PartitionDiscovery.icebergMetadata(), which runs neither: remove encryptionKey'),
    );
  });

  test('grantRead grants the catalog entries without partition actions, and the table\'s objects', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA, tableFormat: TableFormat.iceberg() });
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    catalog.grantRead(role);
    const policy = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(role.node.findChild('DefaultPolicy').node.defaultChild as any)];
    const statements = policy.Properties.PolicyDocument.Statement;
    const glue = statements.find((s: any) => [s.Action].flat().includes('glue:GetTable'));
    expect(glue.Action).toEqual(['glue:GetDatabase', 'glue:GetTable']);
    expect(glue.Resource).toEqual([stack.resolve(catalog.catalogArn), stack.resolve(catalog.databaseArn), stack.resolve(catalog.tableArn)]);
    expect(statements.find((s: any) => s.Action === 's3:GetObject').Resource).toEqual({ 'Fn::Join': ['', [stack.resolve(lake.bucket.bucketArn), '/orders/*']] });
  });
});

describe('table optimizers', () => {
  test('compaction, snapshot retention and orphan file deletion are on by default, with Glue\'s documented settings', () => {
    const { t, catalog, stack } = setUp();
    t.resourceCountIs('AWS::Glue::TableOptimizer', 3);
    expect(catalog.tableOptimizers).toHaveLength(3);
    const roleArn = stack.resolve(catalog.optimizerRole!.roleArn);
    const common = { CatalogId: '123456789012', DatabaseName: catalog.databaseName, TableName: 'orders' };
    expect(optimizer(t, 'compaction')[1].Properties).toEqual({
      ...common,
      Type: 'compaction',
      TableOptimizerConfiguration: { RoleArn: roleArn, Enabled: true, CompactionConfiguration: { IcebergConfiguration: { Strategy: 'binpack' } } },
    });
    expect(optimizer(t, 'retention')[1].Properties).toEqual({
      ...common,
      Type: 'retention',
      TableOptimizerConfiguration: {
        RoleArn: roleArn,
        Enabled: true,
        RetentionConfiguration: { IcebergConfiguration: { SnapshotRetentionPeriodInDays: 5, NumberOfSnapshotsToRetain: 1, CleanExpiredFiles: true } },
      },
    });
    expect(optimizer(t, 'orphan_file_deletion')[1].Properties).toEqual({
      ...common,
      Type: 'orphan_file_deletion',
      TableOptimizerConfiguration: {
        RoleArn: roleArn,
        Enabled: true,
        OrphanFileDeletionConfiguration: {
          IcebergConfiguration: { OrphanFileRetentionPeriodInDays: 3, Location: stack.resolve(catalog.tableLocation()) },
        },
      },
    });
  });

  test('each optimizer comes after the table and the role\'s policy', () => {
    const { t, catalog, stack } = setUp();
    const policy = stack.getLogicalId(catalog.optimizerRole!.node.findChild('DefaultPolicy').node.defaultChild as any);
    for (const [, r] of byType(t, 'AWS::Glue::TableOptimizer')) {
      expect(r.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(catalog.table!), policy]));
    }
  });

  test('the optimizer role is trusted by Glue, as Glue documents it', () => {
    const { t, catalog, stack } = setUp();
    const role = t.toJSON().Resources[stack.getLogicalId(catalog.optimizerRole!.node.defaultChild as any)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' } },
    ]);
  });

  test('settings reach the optimizers', () => {
    const iceberg = { snapshotRetentionPeriod: Duration.days(14), snapshotsToRetain: 10, orphanFileRetentionPeriod: Duration.days(7) };
    const { t } = setUp({ iceberg });
    expect(optimizer(t, 'retention')[1].Properties.TableOptimizerConfiguration.RetentionConfiguration.IcebergConfiguration).toEqual({
      SnapshotRetentionPeriodInDays: 14,
      NumberOfSnapshotsToRetain: 10,
      CleanExpiredFiles: true,
    });
    expect(optimizer(t, 'orphan_file_deletion')[1].Properties.TableOptimizerConfiguration.OrphanFileDeletionConfiguration.IcebergConfiguration.OrphanFileRetentionPeriodInDays).toBe(7);
  });

  test.each([
    ['compaction', { compaction: false }, ['retention', 'orphan_file_deletion']],
    ['snapshotRetention', { snapshotRetention: false }, ['compaction', 'orphan_file_deletion']],
    ['orphanFileDeletion', { orphanFileDeletion: false }, ['compaction', 'retention']],
    ['compaction (explicitly on)', { compaction: true }, ['compaction', 'retention', 'orphan_file_deletion']],
    ['snapshotRetention (explicitly on)', { snapshotRetention: true }, ['compaction', 'retention', 'orphan_file_deletion']],
    ['orphanFileDeletion (explicitly on)', { orphanFileDeletion: true }, ['compaction', 'retention', 'orphan_file_deletion']],
  ])('%s', (_name, iceberg, types) => {
    const { t } = setUp({ iceberg });
    expect(byType(t, 'AWS::Glue::TableOptimizer').map(([, r]) => r.Properties.Type)).toEqual(types);
  });

  test('with every optimizer off there are no optimizers and no role', () => {
    const { t, catalog } = setUp({ iceberg: { compaction: false, snapshotRetention: false, orphanFileDeletion: false } });
    t.resourceCountIs('AWS::Glue::TableOptimizer', 0);
    expect(catalog.optimizerRole).toBeUndefined();
    expect(catalog.tableOptimizers).toEqual([]);
  });

  test('only orphan file deletion: the role can neither write objects nor update the table', () => {
    const { t, catalog, stack } = setUp({ iceberg: { compaction: false, snapshotRetention: false } });
    const policy = t.toJSON().Resources[stack.getLogicalId(catalog.optimizerRole!.node.findChild('DefaultPolicy').node.defaultChild as any)];
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:DeleteObject', 'glue:GetTable']));
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('glue:UpdateTable');
  });

  test('rejects periods that are not whole days, snapshot counts below 1, and settings of an optimizer that is off', () => {
    expect(thrown(() => setUp({ iceberg: { snapshotRetentionPeriod: Duration.hours(36) }, noDelivery: true }))).toBe(
      catalogError('snapshotRetentionPeriod must be a whole number of days, at least 1, got 1 day 12 hours: e.g. Duration.days(5)'),
    );
    expect(thrown(() => setUp({ iceberg: { orphanFileRetentionPeriod: Duration.hours(12) }, noDelivery: true }))).toBe(
      catalogError('orphanFileRetentionPeriod must be a whole number of days, at least 1, got 12 hours: e.g. Duration.days(5)'),
    );
    expect(thrown(() => setUp({ iceberg: { snapshotsToRetain: 0 }, noDelivery: true }))).toBe(
      catalogError('snapshotsToRetain must be a whole number, at least 1, got 0: e.g. 1'),
    );
    const off = { snapshotRetention: false, snapshotsToRetain: 3, snapshotRetentionPeriod: Duration.days(2) };
    expect(thrown(() => setUp({ iceberg: off, noDelivery: true }))).toBe(
      catalogError(
        'snapshotRetentionPeriod configures snapshot retention, got it with snapshotRetention: false: remove snapshotRetentionPeriod, or turn snapshotRetention on',
        'snapshotsToRetain configures snapshot retention, got it with snapshotRetention: false: remove snapshotsToRetain, or turn snapshotRetention on',
      ),
    );
    expect(thrown(() => setUp({ iceberg: { orphanFileDeletion: false, orphanFileRetentionPeriod: Duration.days(2) }, noDelivery: true }))).toBe(
      catalogError('orphanFileRetentionPeriod configures orphan file deletion, got it with orphanFileDeletion: false: remove orphanFileRetentionPeriod, or turn orphanFileDeletion on'),
    );
  });
});

describe('the Iceberg delivery', () => {
  test('writes from the Kinesis stream into the Glue table, failed records to the error prefix, GZIP and KMS, on the L1', () => {
    const { t, stack, lake, catalog, delivery } = setUp();
    t.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    const [id, ds] = byType(t, 'AWS::KinesisFirehose::DeliveryStream')[0];
    expect(ds.Properties.ExtendedS3DestinationConfiguration).toBeUndefined();
    expect(ds.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
    const role = stack.resolve(delivery!.role.roleArn);
    const errors = 'errors/orders/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';
    const logGroup = stack.resolve(delivery!.logGroup.logGroupName);
    expect(ds.Properties.IcebergDestinationConfiguration).toEqual({
      RoleARN: role,
      CatalogConfiguration: { CatalogArn: stack.resolve(catalog.catalogArn) },
      DestinationTableConfigurationList: [{ DestinationDatabaseName: catalog.databaseName, DestinationTableName: 'orders', S3ErrorOutputPrefix: errors }],
      AppendOnly: true,
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
      RetryOptions: { DurationInSeconds: 300 },
      CloudWatchLoggingOptions: { Enabled: true, LogGroupName: logGroup, LogStreamName: { Ref: expect.stringMatching(/^DeliveryDestinationDeliveryLogs/) } },
      s3BackupMode: 'FailedDataOnly',
      S3Configuration: {
        BucketARN: stack.resolve(lake.bucket.bucketArn),
        RoleARN: role,
        ErrorOutputPrefix: errors,
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: stack.resolve(lake.encryptionKey!.keyArn) } },
        CloudWatchLoggingOptions: { Enabled: true, LogGroupName: logGroup, LogStreamName: { Ref: expect.stringMatching(/^DeliveryBackupDeliveryLogs/) } },
      },
    });
    expect(ds.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(catalog.table!), expect.stringMatching(/^DeliveryRoleDefaultPolicy/)]));
    expect(delivery!.writesIceberg).toBe(true);
    expect(delivery!.convertsToParquet).toBe(false);
    expect(delivery!.uniqueKeys).toBeUndefined();
    expect(delivery!.processorFunction).toBeUndefined();
    expect(delivery!.rawBackupBufferingInterval).toBeUndefined();
    expect(stack.resolve(delivery!.deliveryStream.deliveryStreamName)).toEqual({ Ref: id });
    const streams = byType(t, 'AWS::Logs::LogStream').map(([, r]) => r.Properties.LogStreamName).sort();
    expect(streams).toEqual(['BackupDelivery', 'DestinationDelivery']);
  });

  test('the role reads the stream, writes and deletes the table\'s files, and updates only this table in the catalog', () => {
    const { t, stack, catalog, delivery } = setUp();
    const policy = t.toJSON().Resources[stack.getLogicalId(delivery!.role.node.findChild('DefaultPolicy').node.defaultChild as any)];
    const statements = policy.Properties.PolicyDocument.Statement;
    const glue = statements.find((s: any) => [s.Action].flat().includes('glue:UpdateTable'));
    expect(glue).toEqual({
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
      Effect: 'Allow',
      Resource: [stack.resolve(catalog.catalogArn), stack.resolve(catalog.databaseArn), stack.resolve(catalog.tableArn)],
    });
    const del = statements.find((s: any) => s.Action === 's3:DeleteObject');
    expect(del.Resource).toEqual({ 'Fn::Join': ['', [stack.resolve(catalog.bucket.bucketArn), '/orders/*']] });
    expect(statements.some((s: any) => [s.Action].flat().includes('glue:GetTableVersions'))).toBe(false);
  });

  test('unique keys: upserts through a JQ operation, not append-only', () => {
    const { t, catalog, delivery } = setUp({ iceberg: { uniqueKeys: ['order_id'] } });
    const config = only(t, 'AWS::KinesisFirehose::DeliveryStream').Properties.IcebergDestinationConfiguration;
    expect(config.AppendOnly).toBe(false);
    expect(config.DestinationTableConfigurationList[0].UniqueKeys).toEqual(['order_id']);
    expect(config.ProcessingConfiguration).toEqual({
      Enabled: true,
      Processors: [
        {
          Type: 'MetadataExtraction',
          Parameters: [
            {
              ParameterName: 'MetadataExtractionQuery',
              ParameterValue: `{destinationDatabaseName: "${catalog.databaseName}", destinationTableName: "orders", operation: "update"}`,
            },
            { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
          ],
        },
      ],
    });
    expect(delivery!.uniqueKeys).toEqual(['order_id']);
  });

  test('your Lambda processes the records before the write, after the upsert operation is extracted', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({})') });
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA, tableFormat: TableFormat.iceberg({ uniqueKeys: ['order_id'] }) });
    const ingest = new StreamIngest(stack, 'Ingest');
    const delivery = new NewlineTransformFirehose(stack, 'Delivery', {
      stream: ingest.stream,
      bucket: lake.bucket,
      layout: lake.layout,
      tableName: 'orders',
      table: catalog.table,
      newline: NewlineStrategy.lambdaFunction(fn),
      processorBufferInterval: Duration.seconds(30),
    });
    const t = Template.fromStack(stack);
    const processors = only(t, 'AWS::KinesisFirehose::DeliveryStream').Properties.IcebergDestinationConfiguration.ProcessingConfiguration.Processors;
    expect(processors.map((p: any) => p.Type)).toEqual(['MetadataExtraction', 'Lambda']);
    expect(processors[1].Parameters).toEqual(
      expect.arrayContaining([
        { ParameterName: 'LambdaArn', ParameterValue: stack.resolve(fn.functionArn) },
        { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '30' },
      ]),
    );
    expect(delivery.processorFunction).toBe(fn);
  });

  test('buffering and retries reach the destination; buffers from 1 MiB are allowed', () => {
    const delivery = { bufferingInterval: Duration.seconds(60), bufferingSize: Size.mebibytes(1), retryDuration: Duration.minutes(30) };
    const { t } = setUp({ delivery });
    const config = only(t, 'AWS::KinesisFirehose::DeliveryStream').Properties.IcebergDestinationConfiguration;
    expect(config.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 1 });
    expect(config.RetryOptions).toEqual({ DurationInSeconds: 1800 });
  });

  test('rawBackup: false is the default, and accepted when given', () => {
    const { t } = setUp({ delivery: { rawBackup: false } });
    expect(only(t, 'AWS::KinesisFirehose::DeliveryStream').Properties.IcebergDestinationConfiguration.s3BackupMode).toBe('FailedDataOnly');
  });

  test.each([
    [
      'rawBackup: true',
      { rawBackup: true },
      "rawBackup true keeps every record as received, got it with an Iceberg table: Firehose's Iceberg destination backs up failed records only (they go to the error output either way); remove rawBackup, or use TableFormat.HIVE_PARQUET to keep a raw backup",
    ],
    ['rawBackupBufferingInterval', { rawBackupBufferingInterval: Duration.seconds(60) }, 'rawBackupBufferingInterval needs rawBackup: true, got rawBackup: false: remove rawBackupBufferingInterval or keep the raw backup'],
    [
      'timeZone',
      { timeZone: TimeZone.EUROPE_LONDON },
      "timeZone sets the time zone of the Hive-style prefixes, got it with an Iceberg table, whose files Iceberg places by the partition column's value and whose backup and error prefixes Firehose evaluates in UTC: remove timeZone",
    ],
    ['retryDuration over 2 hours', { retryDuration: Duration.hours(3) }, 'retryDuration must be a whole number of seconds from 0 to 7200, got 10800 seconds: e.g. Duration.minutes(30)'],
    [
      'the bundled newline function',
      { newline: NewlineStrategy.bundledFunction() },
      "newline NewlineStrategy.bundledFunction() has no effect with table (Iceberg): the Iceberg destination reads each record's JSON itself, so a newline only adds a Lambda invocation and a failure mode; remove newline, or pass NewlineStrategy.lambdaFunction(fn) for custom processing before the write",
    ],
    [
      'the delimiter processor',
      { newline: NewlineStrategy.appendDelimiter() },
      "newline NewlineStrategy.appendDelimiter() has no effect with table (Iceberg): the Iceberg destination reads each record's JSON itself, so a newline only adds a processing step and a failure mode; remove newline, or pass NewlineStrategy.lambdaFunction(fn) for custom processing before the write",
    ],
    ['processorRetries without a Lambda', { processorRetries: 1 }, 'processorRetries applies to a processor Lambda, got it with Iceberg delivery without a processor Lambda: remove processorRetries, or choose a Lambda strategy'],
  ])('rejects %s', (_name, delivery, problem) => {
    expect(thrown(() => setUp({ delivery: delivery as Partial<NewlineTransformFirehoseProps> }))).toContain(deliveryError(problem));
  });

  test('rejects retryDuration for an S3 delivery', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const ingest = new StreamIngest(stack, 'Ingest');
    expect(
      thrown(() => new NewlineTransformFirehose(stack, 'Delivery', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'orders', retryDuration: Duration.minutes(5) })),
    ).toBe(deliveryError('retryDuration applies to Iceberg tables, got it with an S3 delivery, which Firehose retries for 24 hours (not configurable): remove retryDuration'));
  });

  test('Iceberg metrics on an Iceberg delivery; S3 object metrics are refused there, and the other way round', () => {
    const { stack, delivery } = setUp();
    expect(stack.resolve(delivery!.metricDeliveryToIcebergDataFreshness().metricName)).toBe('DeliveryToIceberg.DataFreshness');
    expect(delivery!.metricDeliveryToIcebergDataFreshness().statistic).toBe('Maximum');
    expect(delivery!.metricDeliveryToIcebergSuccessfulRows().metricName).toBe('DeliveryToIceberg.SuccessfulRowCount');
    expect(delivery!.metricDeliveryToIcebergFailedRows().metricName).toBe('DeliveryToIceberg.FailedRowCount');
    expect(delivery!.metricDeliveryToIcebergFailedRows().statistic).toBe('Sum');
    for (const m of ['metricDeliveryToS3DataFreshness', 'metricDeliveryToS3Success', 'metricDeliveryToS3Records', 'metricBackupToS3DataFreshness'] as const) {
      expect(thrown(() => delivery![m]())).toBe(
        deliveryError(`${m}() is a metric of S3 object delivery, got a delivery into an Iceberg table: use the DeliveryToIceberg metrics (e.g. metricDeliveryToIcebergDataFreshness())`),
      );
    }
    const s = newStack();
    const lake = new PartitionedParquetLake(s, 'Lake');
    const hive = new NewlineTransformFirehose(s, 'Delivery', { stream: new StreamIngest(s, 'Ingest').stream, bucket: lake.bucket, layout: lake.layout, tableName: 'orders' });
    expect(hive.writesIceberg).toBe(false);
    expect(thrown(() => hive.metricDeliveryToIcebergFailedRows())).toBe(
      deliveryError('metricDeliveryToIcebergFailedRows() is a metric of the Iceberg destination, got a delivery into S3 objects: use the DeliveryToS3 metrics'),
    );
  });
});

describe('Athena, QuickSight and monitoring over an Iceberg table', () => {
  function lakeOf(stack: Stack, iceberg: IcebergOptions = { partitionColumn: 'ordered_at' }, extra: Record<string, unknown> = {}) {
    return new ServerlessDataLake(stack, 'Orders', { tableName: 'orders', columns: COLUMNS, catalog: { tableFormat: TableFormat.iceberg(iceberg) }, ...extra });
  }

  test('the saved queries: the latest rows by the partition column, time travel and the snapshots; no prepared statement', () => {
    const stack = newStack();
    const lake = lakeOf(stack);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Athena::PreparedStatement', 0);
    const queries = byType(t, 'AWS::Athena::NamedQuery').map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Properties.Name, r.Properties.QueryString]);
    expect(queries.map(([id, name]) => [id, name])).toEqual([
      [expect.stringMatching(/LatestRows$/), 'orders (latest rows)'],
      [expect.stringMatching(/TimeTravel$/), 'orders (time travel)'],
      [expect.stringMatching(/Snapshots$/), 'orders (snapshots)'],
    ]);
    const db = lake.catalog.databaseName;
    expect(queries[0][2]).toContain(`FROM "${db}"."orders"\nWHERE "ordered_at" >= date_trunc('hour', current_timestamp - INTERVAL '1' HOUR)\nORDER BY "ordered_at" DESC`);
    expect(queries[1][2]).toContain(`FROM "${db}"."orders" FOR TIMESTAMP AS OF (current_timestamp - INTERVAL '1' HOUR)`);
    expect(queries[2][2]).toContain(`FROM "${db}"."orders$snapshots"\nORDER BY committed_at DESC`);
  });

  test('an unpartitioned table\'s latest rows have no time filter', () => {
    const stack = newStack();
    lakeOf(stack, {});
    const sql = byType(Template.fromStack(stack), 'AWS::Athena::NamedQuery')[0][1].Properties.QueryString;
    expect(sql).not.toContain('WHERE');
    expect(sql).toContain('LIMIT 100');
  });

  test('grantQuery reads the table without partition actions', () => {
    const stack = newStack();
    const lake = lakeOf(stack);
    const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    lake.grantQuery(analyst);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .map((p: any) => p.Properties)
      .filter((p: any) => p.Roles.some((r: any) => r.Ref.startsWith('Analyst')))
      .flatMap((p: any) => p.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['glue:GetTable', 'glue:GetDatabase', 'athena:StartQueryExecution', 's3:GetObject']));
    expect(actions.filter((a: string) => a.includes('Partition'))).toEqual([]);
  });

  test('QuickSight: the columns without Hive partition keys, and the starter dashboard periods by the partition column', () => {
    const stack = newStack();
    const lake = lakeOf(stack, { partitionColumn: 'ordered_at' }, { quickSight: { owners: ['arn:aws:quicksight:us-east-1:123456789012:group/default/analysts'], starterDashboard: true } });
    const t = Template.fromStack(stack);
    const columns = only(t, 'AWS::QuickSight::DataSet').Properties.PhysicalTableMap;
    const input = (Object.values(columns)[0] as any).RelationalTable.InputColumns.map((c: any) => c.Name);
    expect(input).toEqual(['order_id', 'amount', 'ordered_at', 'ordered_on', 'score']);
    const fields = only(t, 'AWS::QuickSight::Dashboard').Properties.Definition.CalculatedFields;
    expect(fields).toEqual([{ DataSetIdentifier: 'lake', Name: 'Partition start (UTC)', Expression: "truncDate('HH', {ordered_at})" }]);
    expect(lake.quickSight).toBeInstanceOf(QuickSightDataSet);
  });

  test('QuickSight rejects a starter dashboard over an unpartitioned Iceberg table', () => {
    const stack = newStack();
    expect(thrown(() => lakeOf(stack, {}, { quickSight: { owners: ['arn:aws:quicksight:us-east-1:123456789012:group/default/analysts'], starterDashboard: true } }))).toBe(
      "QuickSightDataSet at 'TestStack/Orders/QuickSight': starterDashboard charts rows per period of the table's time partitions, got an unpartitioned Iceberg table: set partitionColumn in TableFormat.iceberg(), or remove starterDashboard",
    );
  });

  test('monitoring watches the Iceberg metrics: data freshness, and failed rows for the errors stage', () => {
    const stack = newStack();
    const lake = lakeOf(stack);
    const monitoring = lake.monitoring as LakeMonitoring;
    const t = Template.fromStack(stack);
    const metricNames = (alarm: any) => alarm.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);
    const alarms = t.toJSON().Resources;
    const delivery = alarms[stack.getLogicalId(monitoring.stageAlarms.delivery.node.defaultChild as any)];
    const errors = alarms[stack.getLogicalId(monitoring.stageAlarms.deliveryErrors.node.defaultChild as any)];
    expect(metricNames(delivery)).toEqual(['DeliveryToIceberg.DataFreshness']);
    expect(metricNames(errors)).toEqual(['DeliveryToIceberg.FailedRowCount']);
    expect(delivery.Properties.AlarmDescription).toContain('Firehose is not committing the stream\'s records to the Iceberg table on time');
  });

  test('the facade passes the format to the catalog and the delivery', () => {
    const stack = newStack();
    const lake = lakeOf(stack, { uniqueKeys: ['order_id'] });
    expect(lake.catalog.tableFormat.isIceberg).toBe(true);
    expect(lake.delivery.writesIceberg).toBe(true);
    expect(lake.delivery.uniqueKeys).toEqual(['order_id']);
    expect(lake.catalog.tableOptimizers).toHaveLength(3);
  });

  test('an Iceberg table checks its props against the facade\'s validation too: no schema-on-read Iceberg lake', () => {
    const stack = newStack();
    expect(() => new ServerlessDataLake(stack, 'Raw', { tableName: 'raw_events', catalog: { tableFormat: TableFormat.iceberg() } })).toThrow(
      "CrawledCatalog at 'TestStack/Raw/Catalog': tableFormat TableFormat.iceberg() needs a schema",
    );
  });
});

describe('unchanged Hive-style tables', () => {
  test.each([
    [true, true],
    [false, false],
  ])('a Hive-style delivery with rawBackup: %s is granted the raw-backup prefix: %s', (rawBackup, granted) => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const delivery = new NewlineTransformFirehose(stack, 'Delivery', {
      stream: new StreamIngest(stack, 'Ingest').stream,
      bucket: lake.bucket,
      layout: lake.layout,
      tableName: 'orders',
      rawBackup,
    });
    const policy = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(delivery.role.node.findChild('DefaultPolicy').node.defaultChild as any)];
    const text = JSON.stringify(policy.Properties.PolicyDocument);
    expect(text.includes('/raw/orders/*')).toBe(granted);
    expect(text).toContain('/errors/orders/*');
    expect(text).toContain('/orders/*');
  });

  test('a catalog without tableFormat still declares the Parquet table with projection', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA, tableFormat: TableFormat.HIVE_PARQUET });
    const table = only(Template.fromStack(stack), 'AWS::Glue::Table');
    expect(table.Properties.OpenTableFormatInput).toBeUndefined();
    expect(table.Properties.TableInput.Parameters['projection.enabled']).toBe('true');
    expect(catalog.tableOptimizers).toEqual([]);
    expect(catalog.optimizerRole).toBeUndefined();
    expect(catalog.partitionKeys).toEqual(['year', 'month', 'day', 'hour']);
    expect(stack.resolve(catalog.tableLocation())).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.any(String) }, '/orders/']] });
  });
});

// Keeps the AthenaQueryLayer import meaningful: the facade builds one per first lake.
test('the facade\'s first Iceberg lake defines its own query layer', () => {
  const stack = newStack();
  const lake = new ServerlessDataLake(stack, 'Orders', { tableName: 'orders', columns: COLUMNS, catalog: { tableFormat: TableFormat.iceberg() } });
  expect(lake.queryLayer).toBeInstanceOf(AthenaQueryLayer);
});
