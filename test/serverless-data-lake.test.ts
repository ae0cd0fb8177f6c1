import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, test } from 'vitest';
import {
  BatchTriggerSource,
  CatalogDatabase,
  ColumnType,
  LakeAlarmActions,
  NewlineStrategy,
  PartitionDiscovery,
  PartitionLayout,
  ServerlessDataLake,
  ServerlessDataLakeProps,
  StreamCapacity,
} from '../src';
import { awsSolutionsFindings } from './support/nag';
import { newStack } from './support/stack';

const COLUMNS = [
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'user_id', type: ColumnType.BIGINT },
  { name: 'amount', type: ColumnType.decimal(10, 2) },
  { name: 'event_time', type: ColumnType.TIMESTAMP },
];

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
const resourcesOf = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
const idOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('the two calls of the README', () => {
  const stack = newStack();
  const clicks = new ServerlessDataLake(stack, 'Clicks', { tableName: 'clicks', columns: COLUMNS });
  const raw = new ServerlessDataLake(stack, 'Raw', { tableName: 'raw_events' });
  const t = Template.fromStack(stack);

  test('schema-first: Parquet against the declared table, projection, no crawler, no Lambda', () => {
    expect(clicks.schema?.columns.map((c) => c.name)).toEqual(['event_id', 'user_id', 'amount', 'event_time']);
    expect(clicks.catalog.table).toBeDefined();
    expect(clicks.catalog.crawler).toBeUndefined();
    expect(clicks.catalog.partitionDiscovery._kind).toBe('PROJECTION');
    expect(clicks.delivery.convertsToParquet).toBe(true);
    expect(clicks.delivery.processorFunction).toBeUndefined();
    const [table] = Object.values(t.findResources('AWS::Glue::Table'));
    expect(table.Properties.TableInput.Parameters['projection.enabled']).toBe('true');
    expect(table.Properties.TableInput.StorageDescriptor.Columns.map((c: { Type: string }) => c.Type)).toEqual(['string', 'bigint', 'decimal(10,2)', 'timestamp']);
  });

  test('schema-on-read: JSON lines with the bundled newline Lambda and a crawler', () => {
    expect(raw.schema).toBeUndefined();
    expect(raw.catalog.table).toBeUndefined();
    expect(raw.catalog.crawler).toBeDefined();
    expect(raw.delivery.convertsToParquet).toBe(false);
    expect(raw.delivery.processorFunction).toBeDefined();
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourceCountIs('AWS::Glue::Crawler', 1);
  });

  test('every child is a public field, wired to the others', () => {
    for (const lake of [clicks, raw]) {
      expect(lake.delivery.tableName).toBe(lake.tableName);
      expect(lake.catalog.bucket).toBe(lake.lake.bucket);
      expect(lake.catalog.layout).toBe(lake.lake.layout);
      expect(lake.queryLayer.savedQueries.map((q) => q.name)).toContain(`${lake.tableName} (latest partition)`);
      expect(lake.monitoring?.lakeName).toBe(lake.tableName);
      expect(lake.quickSight).toBeUndefined();
    }
    const resources = resourcesOf(stack);
    const source = resources[idOf(stack, clicks.delivery.deliveryStream as never)].Properties.KinesisStreamSourceConfiguration;
    expect(source.KinesisStreamARN).toEqual({ 'Fn::GetAtt': [idOf(stack, clicks.ingest.stream as never), 'Arn'] });
  });

  test('one key per lake: the lake key also encrypts its stream and its logs', () => {
    const key = idOf(stack, clicks.lake.encryptionKey as never);
    const stream = resourcesOf(stack)[idOf(stack, clicks.ingest.stream as never)];
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    expect(clicks.ingest.encryptionKey).toBe(clicks.lake.encryptionKey);
    expect(clicks.delivery.logKey).toBe(clicks.lake.encryptionKey);
    t.resourceCountIs('AWS::KMS::Key', 2);
  });

  test('monitoring on by default: the stage alarms, a composite alarm and a dashboard per lake', () => {
    expect(Object.keys(clicks.monitoring!.stageAlarms)).toEqual(['ingest', 'delivery', 'deliveryErrors']);
    expect(Object.keys(raw.monitoring!.stageAlarms)).toEqual(['ingest', 'delivery', 'deliveryErrors', `lambda:${raw.delivery.processorFunction!.node.path}`, 'catalog']);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 2);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
  });

  test('cdk-nag: no unacknowledged finding', () => {
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('options reach each child', () => {
  test('ingest: capacity and retention', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', {
      tableName: 'clicks',
      columns: COLUMNS,
      ingest: { capacity: StreamCapacity.shards(3), retentionPeriod: Duration.hours(48) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 3, RetentionPeriodHours: 48 });
    expect(l.ingest.retentionPeriod?.toHours()).toBe(48);
  });

  test('storage: the layout reaches the catalog and the delivery', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, storage: { layout: PartitionLayout.daily(), versioned: false } });
    expect(l.catalog.layout.partitionKeys).toEqual(['year', 'month', 'day']);
    const resources = resourcesOf(stack);
    const d = resources[idOf(stack, l.delivery.deliveryStream as never)].Properties.ExtendedS3DestinationConfiguration;
    expect(d.Prefix).toBe('clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect(resources[idOf(stack, l.lake.bucket as never)].Properties.VersioningConfiguration).toBeUndefined();
  });

  test('catalog: partition discovery', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', {
      tableName: 'clicks',
      columns: COLUMNS,
      storage: { eventBridgeEnabled: true },
      catalog: { partitionDiscovery: PartitionDiscovery.eventDriven(), tableDescription: 'clicks' },
    });
    expect(l.catalog.registrationFunction).toBeDefined();
    expect(l.monitoring!.stageAlarms.catalog).toBeDefined();
  });

  test('delivery: buffering and newline strategy', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', {
      tableName: 'raw_logs',
      delivery: { bufferingInterval: Duration.seconds(60), newline: NewlineStrategy.appendDelimiter() },
    });
    const d = resourcesOf(stack)[idOf(stack, l.delivery.deliveryStream as never)].Properties.ExtendedS3DestinationConfiguration;
    expect(d.BufferingHints.IntervalInSeconds).toBe(60);
    expect(d.ProcessingConfiguration.Processors.map((p: { Type: string }) => p.Type)).toEqual(['AppendDelimiterToRecord']);
    expect(l.delivery.processorFunction).toBeUndefined();
  });

  test('query: workgroup settings', () => {
    const stack = newStack();
    new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, query: { bytesScannedCutoffPerQuery: Size.gibibytes(1) } });
    Template.fromStack(stack).hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 1024 ** 3 } });
  });

  test.each([true, false])('savedQueries %s', (savedQueries) => {
    const stack = newStack();
    new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, savedQueries });
    Template.fromStack(stack).resourceCountIs('AWS::Athena::NamedQuery', savedQueries ? 2 : 0);
    Template.fromStack(stack).resourceCountIs('AWS::Athena::PreparedStatement', savedQueries ? 1 : 0);
  });

  test.each([true, false])('monitoring %s', (monitoring) => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, monitoring });
    expect(l.monitoring !== undefined).toBe(monitoring);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', monitoring ? 1 : 0);
  });

  test('monitoringOptions: alarm actions and thresholds', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', {
      tableName: 'clicks',
      columns: COLUMNS,
      monitoringOptions: { alarmActions: LakeAlarmActions.newTopic(), dashboard: false, iteratorAgeThreshold: Duration.hours(2) },
    });
    expect(l.monitoring!.alarmTopic).toBeDefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(JSON.stringify(resourcesOf(stack)[idOf(stack, l.monitoring!.stageAlarms.ingest as never)].Properties.Metrics)).toContain('> 7200000');
  });

  test('quickSight: a data set over the table in the lake\'s workgroup', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, quickSight: { owners: ['arn:aws:quicksight:us-east-1:123456789012:group/default/analysts'] } });
    expect(l.quickSight).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::QuickSight::DataSource', { DataSourceParameters: { AthenaParameters: { WorkGroup: l.queryLayer.workGroupName } } });
  });
});

describe('batch trigger', () => {
  test('none by default', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS });
    expect(l.batchTrigger).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 0);
  });

  test('the bundled producer feeds the lake\'s stream, replays its raw backup and errors, and is watched', () => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, batchTrigger: { source: BatchTriggerSource.directInvoke() } });
    expect(l.batchTrigger!.stream).toBe(l.ingest.stream);
    expect(l.batchTrigger!.usesBundledProducer).toBe(true);
    const payload = l.batchTrigger!.replayPayload({ table: 'clicks', start: new Date('2026-12-01T00:00:00Z'), end: new Date('2026-12-02T00:00:00Z') });
    expect(JSON.parse(payload)).toEqual({ replay: { table: 'clicks', from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', source: 'raw' } });
    expect(l.monitoring!.stageAlarms.batch).toBeDefined();
    expect(l.monitoring!.stageAlarms[`lambda:${l.batchTrigger!.producer.node.path}`]).toBeDefined();
  });

  test.each([true, false])('replay %s', (replay) => {
    const stack = newStack();
    const l = new ServerlessDataLake(stack, 'L', {
      tableName: 'clicks',
      columns: COLUMNS,
      storage: { eventBridgeEnabled: true },
      batchTrigger: { source: BatchTriggerSource.directInvoke(replay ? undefined : { objects: { bucket: s3.Bucket.fromBucketName(stack, 'Landing', 'landing-bucket'), prefix: 'in/' } }), replay },
    });
    if (replay) expect(() => l.batchTrigger!.replayPayload({ table: 'clicks', start: new Date(0), end: new Date(3600_000) })).not.toThrow();
    else expect(() => l.batchTrigger!.replayPayload({ table: 'clicks', start: new Date(0), end: new Date(3600_000) })).toThrow(/needs the replay option/);
  });
});

describe('many lakes, one stack', () => {
  function lakes(n: number, props: Partial<ServerlessDataLakeProps> = {}) {
    const stack = newStack();
    const first = new ServerlessDataLake(stack, 'Lake0', { tableName: 't0', columns: COLUMNS, ...props });
    const all = [first];
    for (let i = 1; i < n; i++) all.push(new ServerlessDataLake(stack, `Lake${i}`, { tableName: `t${i}`, columns: COLUMNS, shareWith: first, ...props }));
    return { stack, first, all };
  }

  test('shareWith: one bucket, one key, one database (each table after it), one workgroup', () => {
    const { stack, first, all } = lakes(3);
    const resources = resourcesOf(stack);
    const count = (type: string) => Object.values(resources).filter((r) => r.Type === type).length;
    expect(count('AWS::KMS::Key')).toBe(1);
    expect(count('AWS::Glue::Database')).toBe(1);
    expect(count('AWS::Athena::WorkGroup')).toBe(1);
    expect(count('AWS::S3::Bucket')).toBe(3); // the lake, its access logs, the query results
    const database = stack.getLogicalId(first.catalog.databaseResource!);
    for (const lake of all) {
      expect(lake.lake).toBe(first.lake);
      expect(lake.queryLayer).toBe(first.queryLayer);
      expect(lake.catalog.databaseName).toBe(first.catalog.databaseName);
      expect(resources[stack.getLogicalId(lake.catalog.table!)].DependsOn).toContain(database);
      expect(lake.ingest.encryptionKey).toBe(first.lake.encryptionKey);
    }
    expect(first.queryLayer.savedQueries).toHaveLength(9);
  });

  test('CatalogDatabase.fromCatalog orders the table after the other catalog\'s database; fromName does not', () => {
    const { stack, first } = lakes(1);
    const named = new ServerlessDataLake(stack, 'Named', { tableName: 'named', columns: COLUMNS, catalog: { database: CatalogDatabase.fromName(first.catalog.databaseName) } });
    const shared = new ServerlessDataLake(stack, 'Shared', { tableName: 'shared', columns: COLUMNS, catalog: { database: CatalogDatabase.fromCatalog(first.catalog) } });
    const resources = resourcesOf(stack);
    const database = stack.getLogicalId(first.catalog.databaseResource!);
    expect(resources[stack.getLogicalId(shared.catalog.table!)].DependsOn).toContain(database);
    expect(resources[stack.getLogicalId(named.catalog.table!)].DependsOn ?? []).not.toContain(database);
  });

  test('schema-on-read lakes share one newline handler per stack', () => {
    const stack = newStack();
    const a = new ServerlessDataLake(stack, 'A', { tableName: 'a' });
    const b = new ServerlessDataLake(stack, 'B', { tableName: 'b', shareWith: a });
    const c = new ServerlessDataLake(stack, 'C', { tableName: 'c' });
    expect(a.delivery.processorFunction).toBe(b.delivery.processorFunction);
    expect(a.delivery.processorFunction).toBe(c.delivery.processorFunction);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('grantQuery is per lake in a shared workgroup; grantWrite is per stream', async () => {
    const { stack, all } = lakes(2);
    const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    expect(all[1].grantQuery(analyst).success).toBe(true);
    expect(all[0].grantWrite(producer).success).toBe(true);
    const policies = JSON.stringify(Object.values(resourcesOf(stack)).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(idOf(stack, analyst as never))));
    expect(policies).toContain(`table/${all[1].catalog.databaseName}/t1`);
    expect(policies).not.toContain('/t0');
  });

  // Resource budget: a schema-first lake sharing the bucket, key, database and workgroup costs 8
  // resources (stream, table, delivery stream, role, policy, log group, 2 log streams), its saved
  // queries 3, its monitoring 5.
  test.each([
    [60, { monitoring: false, savedQueries: false }, 489],
    [30, { savedQueries: false }, 399],
    [30, {}, 489],
  ] as Array<[number, Partial<ServerlessDataLakeProps>, number]>)('%i lakes with %o fit: resources, template size, key policy', (n, props, expected) => {
    const { stack } = lakes(n, props);
    const template = Template.fromStack(stack).toJSON();
    const resources = Object.values(template.Resources as Record<string, Resource>);
    expect(resources.length).toBe(expected);
    expect(resources.length).toBeLessThanOrEqual(500);
    // The template as CDK writes it (indented by one space), which is what CloudFormation receives.
    expect(JSON.stringify(template, undefined, 1).length).toBeLessThan(1024 * 1024);
    for (const key of resources.filter((r) => r.Type === 'AWS::KMS::Key')) expect(JSON.stringify(key.Properties.KeyPolicy).length).toBeLessThan(32 * 1024);
  });
});

describe('validation', () => {
  test.each([
    [{ columns: [] }, "columns must name at least one column, got none: give the table's columns, or leave columns out for schema-on-read"],
    [{ monitoring: false, monitoringOptions: { dashboard: false } }, 'monitoringOptions configures the monitoring, got it with monitoring: false: remove monitoringOptions, or turn monitoring on'],
    [{ quickSight: { owners: ['arn:aws:quicksight:us-east-1:123456789012:group/default/a'] } }, 'quickSight needs columns (QuickSight types its data set from the schema at synth), got none: declare columns, or remove quickSight'],
  ] as Array<[Partial<ServerlessDataLakeProps>, string]>)('rejects %o', (props, message) => {
    const stack = newStack();
    expect(() => new ServerlessDataLake(stack, 'L', { tableName: 'clicks', ...props })).toThrow(`ServerlessDataLake at 'TestStack/L': ${message}`);
  });

  test.each([
    [{ storage: { versioned: false } }, 'storage configures a lake bucket, got it with shareWith, whose bucket this lake uses: remove storage, or remove shareWith'],
    [{ query: { bytesScannedCutoffPerQuery: Size.gibibytes(1) } }, 'query configures a workgroup, got it with shareWith, whose workgroup serves this table: remove query, or remove shareWith'],
  ] as Array<[Partial<ServerlessDataLakeProps>, string]>)('with shareWith, rejects %o', (props, message) => {
    const stack = newStack();
    const first = new ServerlessDataLake(stack, 'First', { tableName: 'first', columns: COLUMNS });
    expect(() => new ServerlessDataLake(stack, 'L', { tableName: 'clicks', columns: COLUMNS, shareWith: first, ...props })).toThrow(`ServerlessDataLake at 'TestStack/L': ${message}`);
  });

  test('a child\'s own validation names the child', () => {
    const stack = newStack();
    expect(() => new ServerlessDataLake(stack, 'L', { tableName: 'Clicks' })).toThrow(/^CrawledCatalog at 'TestStack\/L\/Catalog': tableName must be 1 to 255 lowercase letters/);
  });
});
