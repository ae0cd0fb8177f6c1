import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, test } from 'vitest';
import {
  CatalogDatabase,
  ColumnType,
  CrawledCatalog,
  CrawledCatalogProps,
  LakeEncryption,
  PartitionDiscovery,
  PartitionLayout,
  PartitionedParquetLake,
  RecrawlPolicy,
  SchemaDeleteBehavior,
  SchemaUpdateBehavior,
  TableSchema,
} from '../src';
import { newStack } from './support/stack';

const SCHEMA = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING, comment: 'unique id' },
  { name: 'amount', type: ColumnType.decimal(12, 2) },
  { name: 'tags', type: ColumnType.array(ColumnType.STRING) },
]);

function setUp(props: Partial<CrawledCatalogProps> = {}, lakeProps = {}) {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', lakeProps);
  const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', ...props });
  return { stack, lake, catalog, t: Template.fromStack(stack) };
}

function only(t: Template, type: string) {
  const found = Object.values(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, any>; DependsOn?: string[] };
}

describe('schema-first (default discovery: partition projection)', () => {
  test('defines a database named after the construct path', () => {
    const { t, catalog } = setUp({ schema: SCHEMA });
    expect(catalog.databaseName).toMatch(/^[a-z0-9_]+$/);
    expect(catalog.databaseName).toContain('catalog');
    expect(only(t, 'AWS::Glue::Database').Properties).toEqual({
      CatalogId: '123456789012',
      DatabaseInput: { Name: catalog.databaseName, Description: 'Data lake database (TestStack/Catalog)' },
    });
  });

  test('declares the Parquet table with its columns, string partition keys and SNAPPY', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA, tableDescription: 'clicks from the web' });
    const table = only(t, 'AWS::Glue::Table');
    expect(table.Properties.DatabaseName).toBe(catalog.databaseName);
    const input = table.Properties.TableInput;
    expect(input).toMatchObject({
      Name: 'clicks',
      Description: 'clicks from the web',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'year', Type: 'string' },
        { Name: 'month', Type: 'string' },
        { Name: 'day', Type: 'string' },
        { Name: 'hour', Type: 'string' },
      ],
    });
    expect(input.Parameters).toMatchObject({ 'classification': 'parquet', 'parquet.compression': 'SNAPPY', 'EXTERNAL': 'TRUE' });
    expect(input.StorageDescriptor).toEqual({
      Columns: [
        { Name: 'event_id', Type: 'string', Comment: 'unique id' },
        { Name: 'amount', Type: 'decimal(12,2)' },
        { Name: 'tags', Type: 'array<string>' },
      ],
      Location: stack.resolve(lake.tableLocation('clicks')),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      Compressed: false,
      StoredAsSubDirectories: false,
    });
    expect(table.DependsOn).toEqual([stack.getLogicalId(catalog.node.findChild('Database') as never)]);
    expect(catalog.table).toBeDefined();
    expect(catalog.schema).toBe(SCHEMA);
  });

  test('turns on partition projection matching the layout, and defines no crawler', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA });
    const params = only(t, 'AWS::Glue::Table').Properties.TableInput.Parameters;
    const expected = stack.resolve(lake.layout.projectionParameters(lake.bucket.bucketName, 'clicks'));
    expect(params).toEqual({ 'classification': 'parquet', 'parquet.compression': 'SNAPPY', 'EXTERNAL': 'TRUE', ...expected });
    expect(params['projection.hour.digits']).toBe('2');
    t.resourceCountIs('AWS::Glue::Crawler', 0);
    t.resourceCountIs('AWS::Lambda::Function', 0);
    expect(catalog.partitionDiscovery._kind).toBe('PROJECTION');
    expect(catalog.crawler).toBeUndefined();
  });

  test('uses an existing database by name and defines none', () => {
    const { t, catalog } = setUp({ schema: SCHEMA, database: CatalogDatabase.fromName('analytics') });
    t.resourceCountIs('AWS::Glue::Database', 0);
    expect(catalog.databaseName).toBe('analytics');
    expect(only(t, 'AWS::Glue::Table').DependsOn).toBeUndefined();
  });

  test('defines a database with the given name', () => {
    const { t } = setUp({ schema: SCHEMA, database: CatalogDatabase.define('sales') });
    expect(only(t, 'AWS::Glue::Database').Properties.DatabaseInput.Name).toBe('sales');
  });

  test('ARNs of the catalog, database and table', () => {
    const { stack, catalog } = setUp({ schema: SCHEMA, database: CatalogDatabase.fromName('analytics') });
    expect(stack.resolve(catalog.catalogArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:catalog']] });
    expect(stack.resolve(catalog.databaseArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:database/analytics']] });
    expect(stack.resolve(catalog.tableArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:table/analytics/clicks']] });
  });
});

describe('crawler discovery', () => {
  test('schema-first: crawls the table prefix hourly at :20, new folders only, LOG/LOG, inheriting from the table', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler() });
    const crawler = only(t, 'AWS::Glue::Crawler');
    expect(crawler.Properties).toMatchObject({
      DatabaseName: catalog.databaseName,
      Targets: { S3Targets: [{ Path: stack.resolve(lake.tableLocation('clicks')) }] },
      Schedule: { ScheduleExpression: 'cron(20 * * * ? *)' },
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
      SchemaChangePolicy: { UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' },
      Role: stack.resolve(catalog.crawlerRole!.roleArn),
    });
    expect(JSON.parse(crawler.Properties.Configuration)).toEqual({
      Version: 1,
      CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
      Grouping: { TableLevelConfiguration: 2 },
    });
    expect(crawler.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(catalog.table!)]));
  });

  test('encrypts crawler logs and Glue S3 writes with the lake key through a security configuration', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler() });
    const keyArn = stack.resolve(lake.encryptionKey!.keyArn);
    expect(catalog.encryptionKey).toBe(lake.encryptionKey);
    const config = only(t, 'AWS::Glue::SecurityConfiguration');
    expect(config.Properties.EncryptionConfiguration).toEqual({
      S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: keyArn }],
      CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: keyArn },
      JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: keyArn },
    });
    expect(only(t, 'AWS::Glue::Crawler').Properties.CrawlerSecurityConfiguration).toEqual({ Ref: Object.keys(t.findResources('AWS::Glue::SecurityConfiguration'))[0] });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsForGlueCrawlers',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            // No kms:DescribeKey: it carries no encryption context, so under this condition it
            // would be granted nothing while reading as granted.
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey'],
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers*']] } } },
          }),
        ]),
      },
    });
  });

  test('defines its own log key when the lake has none', () => {
    const { t, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler() }, { encryption: LakeEncryption.s3Managed() });
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(catalog.encryptionKey).toBeDefined();
  });

  test('uses your key for the logs, and warns when its policy cannot be extended', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/k');
    const catalog = new CrawledCatalog(stack, 'Catalog', {
      bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler(), encryptionKey: key,
    });
    expect(catalog.encryptionKey).toBe(key);
    Annotations.fromStack(stack).hasWarning('/TestStack/Catalog', Match.stringLikeRegexp('encryptionKey is not defined in this app, so its key policy cannot be extended'));
  });

  test('schema-on-read: the crawler creates and evolves the table only where Glue allows it', () => {
    const { t, catalog } = setUp({});
    expect(catalog.table).toBeUndefined();
    t.resourceCountIs('AWS::Glue::Table', 0);
    const crawler = only(t, 'AWS::Glue::Crawler');
    // CRAWL_NEW_FOLDERS_ONLY (the default) requires LOG/LOG
    expect(crawler.Properties.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(JSON.parse(crawler.Properties.Configuration).Grouping).toEqual({ TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['glue:CreateTable']) })]) },
    });
  });

  test('schema-on-read with full recrawls updates the schema in the database, never deletes', () => {
    const { t } = setUp({ partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.EVERYTHING }) });
    const crawler = only(t, 'AWS::Glue::Crawler');
    expect(crawler.Properties.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_EVERYTHING' });
    expect(crawler.Properties.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
  });

  test('schema-first never lets the crawler change the table, whatever the recrawl policy', () => {
    const { t } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.EVERYTHING }) });
    expect(only(t, 'AWS::Glue::Crawler').Properties.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    const policy = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policy).not.toContain('glue:CreateTable');
  });

  describe('schema-change choices', () => {
    const policyOf = (props: Partial<CrawledCatalogProps>) => only(setUp(props).t, 'AWS::Glue::Crawler').Properties.SchemaChangePolicy;

    test.each([
      ['EVERYTHING', RecrawlPolicy.EVERYTHING],
      ['S3_EVENTS', RecrawlPolicy.S3_EVENTS],
    ])('schema-on-read with RecrawlPolicy.%s: each update and delete behaviour reaches the crawler as given', (_name, recrawlPolicy) => {
      const cases: Array<[SchemaUpdateBehavior, SchemaDeleteBehavior, string, string]> = [
        [SchemaUpdateBehavior.LOG, SchemaDeleteBehavior.LOG, 'LOG', 'LOG'],
        [SchemaUpdateBehavior.UPDATE_IN_DATABASE, SchemaDeleteBehavior.DEPRECATE_IN_DATABASE, 'UPDATE_IN_DATABASE', 'DEPRECATE_IN_DATABASE'],
        [SchemaUpdateBehavior.LOG, SchemaDeleteBehavior.DELETE_FROM_DATABASE, 'LOG', 'DELETE_FROM_DATABASE'],
      ];
      for (const [schemaUpdateBehavior, schemaDeleteBehavior, update, remove] of cases) {
        expect(policyOf({ partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy, schemaUpdateBehavior, schemaDeleteBehavior }) }))
          .toEqual({ UpdateBehavior: update, DeleteBehavior: remove });
      }
    });

    test('defaults: LOG/LOG with a schema or incremental crawls, UPDATE_IN_DATABASE/LOG for a crawler-owned table on full or event crawls', () => {
      expect(policyOf({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS }) })).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
      expect(policyOf({ partitionDiscovery: PartitionDiscovery.crawler() })).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
      expect(policyOf({ partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS }) })).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
    });

    test('a declared table with LOG/LOG given explicitly is accepted', () => {
      expect(policyOf({
        schema: SCHEMA,
        partitionDiscovery: PartitionDiscovery.crawler({
          schemaUpdateBehavior: SchemaUpdateBehavior.LOG,
          schemaDeleteBehavior: SchemaDeleteBehavior.LOG,
        }),
      })).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    });

    test('rejects an update behaviour that would let the crawler rewrite the declared table', () => {
      const partitionDiscovery = PartitionDiscovery.crawler({
        recrawlPolicy: RecrawlPolicy.EVERYTHING,
        schemaUpdateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE,
      });
      expect(() => setUp({ schema: SCHEMA, partitionDiscovery })).toThrow(
        "CrawledCatalog at 'TestStack/Catalog': partitionDiscovery schemaUpdateBehavior SchemaUpdateBehavior.UPDATE_IN_DATABASE would let the crawler rewrite the table this construct declares from schema (CloudFormation would no longer describe it, and the next deploy would revert it): use SchemaUpdateBehavior.LOG, or drop schema so the crawler owns the table",
      );
    });

    test.each([
      ['DEPRECATE_IN_DATABASE', SchemaDeleteBehavior.DEPRECATE_IN_DATABASE, 'deprecate'],
      ['DELETE_FROM_DATABASE', SchemaDeleteBehavior.DELETE_FROM_DATABASE, 'delete'],
    ])('rejects delete behaviour %s on the declared table', (name, schemaDeleteBehavior, verb) => {
      const partitionDiscovery = PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS, schemaDeleteBehavior });
      expect(() => setUp({ schema: SCHEMA, partitionDiscovery })).toThrow(
        `CrawledCatalog at 'TestStack/Catalog': partitionDiscovery schemaDeleteBehavior SchemaDeleteBehavior.${name} would let the crawler ${verb} the table this construct declares from schema when its objects are gone (e.g. expired by a lifecycle rule): use SchemaDeleteBehavior.LOG, or drop schema so the crawler owns the table`,
      );
    });

    test('reports both problems of a declared table at once', () => {
      expect(() => setUp({
        schema: SCHEMA,
        partitionDiscovery: PartitionDiscovery.crawler({
          recrawlPolicy: RecrawlPolicy.EVERYTHING,
          schemaUpdateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE,
          schemaDeleteBehavior: SchemaDeleteBehavior.DELETE_FROM_DATABASE,
        }),
      })).toThrow(/:\s*\n\s+- partitionDiscovery schemaUpdateBehavior .*\n\s+- partitionDiscovery schemaDeleteBehavior /);
    });

    test.each([
      ['the default recrawl policy', undefined, SchemaUpdateBehavior.UPDATE_IN_DATABASE, SchemaDeleteBehavior.LOG, 'RecrawlPolicy.NEW_FOLDERS_ONLY (the default)', 'UPDATE_IN_DATABASE/LOG'],
      ['NEW_FOLDERS_ONLY', RecrawlPolicy.NEW_FOLDERS_ONLY, undefined, SchemaDeleteBehavior.DEPRECATE_IN_DATABASE, 'RecrawlPolicy.NEW_FOLDERS_ONLY', 'LOG/DEPRECATE_IN_DATABASE'],
      ['NEW_FOLDERS_ONLY', RecrawlPolicy.NEW_FOLDERS_ONLY, SchemaUpdateBehavior.LOG, SchemaDeleteBehavior.DELETE_FROM_DATABASE, 'RecrawlPolicy.NEW_FOLDERS_ONLY', 'LOG/DELETE_FROM_DATABASE'],
    ])('rejects anything but LOG/LOG on incremental crawls (%s), as Glue does', (_name, recrawlPolicy, schemaUpdateBehavior, schemaDeleteBehavior, shown, got) => {
      expect(() => setUp({ partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy, schemaUpdateBehavior, schemaDeleteBehavior }) })).toThrow(
        `CrawledCatalog at 'TestStack/Catalog': partitionDiscovery schemaUpdateBehavior/schemaDeleteBehavior must both be LOG with recrawlPolicy ${shown}, got ${got}: Glue forces LOG/LOG on incremental crawls; use RecrawlPolicy.EVERYTHING or RecrawlPolicy.S3_EVENTS to evolve the table, or LOG/LOG to crawl new folders only`,
      );
    });
  });

  test('S3-event recrawls: an encrypted queue with a DLQ fed by object-created events on the table prefix', () => {
    const onEvents = PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS });
    const { t, stack, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: onEvents });
    const crawler = only(t, 'AWS::Glue::Crawler');
    expect(crawler.Properties.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_EVENT_MODE' });
    expect(crawler.Properties.Targets.S3Targets[0]).toMatchObject({
      EventQueueArn: stack.resolve(catalog.eventQueue!.queueArn),
      DlqEventQueueArn: stack.resolve(catalog.deadLetterQueue!.queueArn),
    });
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: stack.resolve(catalog.deadLetterQueue!.queueArn), maxReceiveCount: 5 },
    });
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'clicks/' }] } }, QueueArn: stack.resolve(catalog.eventQueue!.queueArn) },
        ],
      },
    });
  });

  test('S3-event recrawls keep the lake\'s EventBridge delivery in the notification configuration', () => {
    const onEvents = PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS });
    const { t } = setUp({ schema: SCHEMA, partitionDiscovery: onEvents }, { eventBridgeEnabled: true });
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {}, QueueConfigurations: Match.anyValue() },
    });
  });

  test('adding and then removing an S3-events crawler leaves the lake\'s EventBridge delivery in place', () => {
    // The same app before, with, and after an S3-events crawler. The notification configuration
    // has one owner in all three (the custom resource, never the bucket's own property), with
    // one logical ID, so adding or removing the crawler is an Update of that resource (which
    // writes the whole configuration, EventBridge included), never its Delete (which writes it
    // empty).
    const synth = (withCrawler: boolean) => {
      const stack = newStack();
      const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
      new CrawledCatalog(stack, 'Registered', {
        bucket: lake.bucket, layout: lake.layout, tableName: 'payments', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven(),
      });
      if (withCrawler) {
        new CrawledCatalog(stack, 'EventCrawled', {
          bucket: lake.bucket,
          layout: lake.layout,
          tableName: 'refunds',
          schema: SCHEMA,
          partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS }),
        });
      }
      const t = Template.fromStack(stack);
      for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
        expect(bucket.Properties.NotificationConfiguration).toBeUndefined();
      }
      const owners = t.findResources('Custom::S3BucketNotifications');
      expect(Object.keys(owners)).toHaveLength(1);
      const [[logicalId, owner]] = Object.entries(owners);
      return { logicalId, config: owner.Properties.NotificationConfiguration, managed: owner.Properties.Managed };
    };
    const before = synth(false);
    const during = synth(true);
    const after = synth(false);
    expect(new Set([before.logicalId, during.logicalId, after.logicalId]).size).toBe(1);
    for (const state of [before, during, after]) {
      expect(state.managed).toBe(true);
      expect(state.config.EventBridgeConfiguration).toEqual({});
    }
    expect(during.config.QueueConfigurations).toHaveLength(1);
    expect(before.config.QueueConfigurations).toBeUndefined();
    expect(after).toEqual(before);
  });

  test('S3-event recrawls add no EventBridge delivery the lake did not ask for', () => {
    const { t } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS }) });
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: Match.absent() },
    });
  });

  test('a schedule of your own', () => {
    const { t } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler({ schedule: 'cron(0/15 * * * ? *)' }) });
    expect(only(t, 'AWS::Glue::Crawler').Properties.Schedule).toEqual({ ScheduleExpression: 'cron(0/15 * * * ? *)' });
  });

  test.each([
    [PartitionLayout.daily(), 'cron(20 0 * * ? *)'],
    [PartitionLayout.monthly(), 'cron(20 0 1 * ? *)'],
  ])('follows the layout\'s schedule (%#)', (layout, schedule) => {
    const { t } = setUp({ partitionDiscovery: PartitionDiscovery.crawler() }, { layout });
    expect(only(t, 'AWS::Glue::Crawler').Properties.Schedule).toEqual({ ScheduleExpression: schedule });
  });

  test.each([
    ['cron(* * * * ? *)', /runs every minute/],
    ['cron(0/2 * * * ? *)', /runs 2 minutes apart/],
    ['cron(0,58 * * * ? *)', /runs 2 minutes apart/],
    ['cron(0 * * * ?)', /must be a Glue cron expression with 6 fields/],
    ['rate(1 hour)', /must be a Glue cron expression with 6 fields/],
    ['cron(x * * * ? *)', /has a minutes field Glue does not accept, got 'x'/],
  ])('fails on the schedule %s', (schedule, message) => {
    expect(() => setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler({ schedule }) })).toThrow(message);
  });
});

describe('event-driven registration', () => {
  const logGroupsOf = (t: Template) => Object.values(t.findResources('AWS::Logs::LogGroup')) as Array<{ Properties: Record<string, any>; DeletionPolicy?: string }>;

  test('the registration function logs to a KMS-encrypted group (the lake key), retained, named anew with each creation of the stack', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() }, { eventBridgeEnabled: true });
    const groups = logGroupsOf(t);
    expect(groups).toHaveLength(1);
    const [group] = groups;
    expect(group.DeletionPolicy).toBe('Retain');
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.Properties.KmsKeyId).toEqual(stack.resolve(lake.encryptionKey!.keyArn));
    expect(catalog.encryptionKey).toBe(lake.encryptionKey);
    const name = group.Properties.LogGroupName;
    expect(name['Fn::Join'][1][0]).toMatch(/^\/aws\/lambda\/.*-registrar-$/);
    expect(JSON.stringify(name['Fn::Join'][1][1])).toBe('{"Fn::Select":[0,{"Fn::Split":["-",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}]}]}');
    const statements = Object.values(t.findResources('AWS::KMS::Key')).flatMap((k) => k.Properties.KeyPolicy.Statement as Array<Record<string, any>>)
      .filter((st) => st.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain(`:log-group:${name['Fn::Join'][1][0]}`);
  });

  test('encryptionKey encrypts the registration function\'s logs', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const key = new kms.Key(stack, 'Mine', { enableKeyRotation: true });
    const catalog = new CrawledCatalog(stack, 'Catalog', {
      bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven(), encryptionKey: key,
    });
    expect(catalog.encryptionKey).toBe(key);
    const [group] = logGroupsOf(Template.fromStack(stack));
    expect(group.Properties.KmsKeyId).toEqual(stack.resolve(key.keyArn));
  });

  test('defines a key for the registration function\'s logs when the lake has none', () => {
    const { t, catalog } = setUp(
      { schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() },
      { eventBridgeEnabled: true, encryption: LakeEncryption.s3Managed() },
    );
    expect(catalog.encryptionKey).toBeDefined();
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('an EventBridge rule on the table prefix invokes the bundled registration function', () => {
    const { t, stack, lake, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() }, { eventBridgeEnabled: true });
    // Two functions: the registrar, and aws-cdk-lib's handler of the bucket's notification configuration.
    t.resourceCountIs('AWS::Lambda::Function', 2);
    const registrars = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }));
    expect(registrars).toHaveLength(1);
    const fn = registrars[0] as { Properties: Record<string, unknown> };
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 256,
      Environment: {
        Variables: {
          DATABASE_NAME: catalog.databaseName,
          TABLE_NAME: 'clicks',
          BUCKET_NAME: stack.resolve(lake.bucket.bucketName),
          DATA_PREFIX: 'clicks/',
          PARTITION_KEYS: 'year,month,day,hour',
          CATALOG_ID: '123456789012',
        },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [stack.resolve(lake.bucket.bucketName)] }, object: { key: [{ prefix: 'clicks/' }] } },
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: stack.resolve(catalog.deadLetterQueue!.queueArn) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: stack.resolve(catalog.deadLetterQueue!.queueArn) } },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    expect(catalog.registrationFunction).toBeDefined();
    // projection parameters are only for projection
    expect(only(t, 'AWS::Glue::Table').Properties.TableInput.Parameters['projection.enabled']).toBeUndefined();
  });

  test('the function may read the table and create partitions, nothing else in Glue', () => {
    const { t, stack, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() }, { eventBridgeEnabled: true });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: ['glue:GetTable', 'glue:BatchCreatePartition'], Effect: 'Allow', Resource: [stack.resolve(catalog.catalogArn), stack.resolve(catalog.databaseArn), stack.resolve(catalog.tableArn)] },
        ]),
      },
    });
  });

  test('offers the registration metrics the bundled function publishes: same namespace, names and dimensions, sum over 5 minutes', () => {
    const { stack, catalog } = setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() }, { eventBridgeEnabled: true });
    const metrics = [
      catalog.metricPartitionsRegistered(),
      catalog.metricUnparsableObjects(),
      catalog.metricRegistrationFailures(),
      catalog.metricIgnoredObjects(),
    ];
    expect(metrics.map((m) => [m.namespace, m.metricName, stack.resolve(m.dimensions), m.statistic, m.period.toSeconds()])).toEqual([
      ['cdk-serverless-data-lake/PartitionRegistration', 'PartitionsRegistered', { Database: catalog.databaseName, Table: 'clicks' }, 'Sum', 300],
      ['cdk-serverless-data-lake/PartitionRegistration', 'UnparsableObjects', { Database: catalog.databaseName, Table: 'clicks' }, 'Sum', 300],
      ['cdk-serverless-data-lake/PartitionRegistration', 'RegistrationFailures', { Database: catalog.databaseName, Table: 'clicks' }, 'Sum', 300],
      ['cdk-serverless-data-lake/PartitionRegistration', 'IgnoredObjects', { Database: catalog.databaseName, Table: 'clicks' }, 'Sum', 300],
    ]);
    const custom = catalog.metricUnparsableObjects({ period: Duration.minutes(1), statistic: 'Maximum' });
    expect([custom.period.toSeconds(), custom.statistic]).toEqual([60, 'Maximum']);
  });

  test.each([
    ['projection', PartitionDiscovery.projection(), 'PartitionDiscovery.projection()'],
    ['a crawler', PartitionDiscovery.crawler(), 'PartitionDiscovery.crawler()'],
  ])('a registration metric of a catalog with %s fails, naming the method, the discovery and the fix', (_name, partitionDiscovery, shown) => {
    const { catalog } = setUp({ schema: SCHEMA, partitionDiscovery });
    expect(() => catalog.metricUnparsableObjects()).toThrow(
      `CrawledCatalog at 'TestStack/Catalog': metricUnparsableObjects() needs partitionDiscovery PartitionDiscovery.eventDriven(), got ${shown}, which registers no partitions by event: use the crawler's or Athena's own metrics, or choose eventDriven()`,
    );
  });

  test('fails when the lake bucket does not send events to EventBridge', () => {
    expect(() => setUp({ schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() })).toThrow(
      /needs EventBridge notifications on the lake bucket, got a bucket without them: set eventBridgeEnabled: true on the PartitionedParquetLake/,
    );
  });

  test('warns that an imported bucket must send events to EventBridge', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Imported', 'existing-lake');
    new CrawledCatalog(stack, 'Catalog', { bucket, layout: PartitionLayout.hourly(), tableName: 'clicks', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.eventDriven() });
    Annotations.fromStack(stack).hasWarning('/TestStack/Catalog', Match.stringLikeRegexp('make sure the imported lake bucket has EventBridge notifications turned on'));
  });
});

describe('validation', () => {
  test.each([
    ['projection', PartitionDiscovery.projection(), /partitionDiscovery PartitionDiscovery.projection\(\) needs a schema, got none/],
    ['event-driven', PartitionDiscovery.eventDriven(), /partitionDiscovery PartitionDiscovery.eventDriven\(\) needs a schema, got none/],
  ])('fails on %s without a schema', (_n, partitionDiscovery, message) => {
    expect(() => setUp({ partitionDiscovery })).toThrow(message);
  });

  test.each(['Clicks', 'raw', 'errors', 'click-stream'])('fails on the table name %s', (tableName) => {
    expect(() => setUp({ tableName, schema: SCHEMA })).toThrow(/CrawledCatalog at 'TestStack\/Catalog': tableName must/);
  });

  test('fails on an encryptionKey with partition projection, which runs nothing to log', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    expect(
      () => new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA, encryptionKey: lake.encryptionKey }),
    ).toThrow(/encryptionKey encrypts the logs of the crawler or the registration function, got it with PartitionDiscovery.projection\(\), which runs neither: remove encryptionKey, or choose PartitionDiscovery.crawler\(\) or PartitionDiscovery.eventDriven\(\)/);
  });

  test('fails on a database name Athena cannot use', () => {
    expect(() => setUp({ schema: SCHEMA, database: CatalogDatabase.fromName('Sales-DB') })).toThrow(/database name must be .* got 'Sales-DB': use e.g. 'sales_db'/);
  });

  test('fails on schema problems, naming each', () => {
    const bad = new TableSchema([
      { name: 'hour', type: ColumnType.INT },
      { name: 'dup', type: ColumnType.INT },
      { name: 'dup', type: ColumnType.INT },
    ]);
    expect(() => setUp({ schema: bad })).toThrow(/column names must be unique, got 'dup' twice.*\n.*column 'hour' clashes with the partition key/s);
  });

  test('rejects tableDescription without a schema, where it would have no effect', () => {
    expect(() => setUp({ tableDescription: 'x' })).toThrow(
      "CrawledCatalog at 'TestStack/Catalog': tableDescription describes the table this construct declares, got it without schema, where the crawler creates the table and its description is never set: remove tableDescription, or declare schema so this construct owns the table",
    );
  });
});

describe('grantRead', () => {
  test('reads the catalog entries and the table prefix, decrypts, writes nothing', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    expect(catalog.grantRead(role).success).toBe(true);
    const bucketArn = stack.resolve(lake.bucket.bucketArn);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
            Effect: 'Allow',
            Resource: [stack.resolve(catalog.catalogArn), stack.resolve(catalog.databaseArn), stack.resolve(catalog.tableArn)],
          },
          { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/clicks/*']] } },
          { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['clicks/', 'clicks/*'] } } },
          { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: bucketArn },
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: stack.resolve(lake.encryptionKey!.keyArn) },
        ],
      },
    });
  });
});

test('two catalogs over one lake synthesize side by side', () => {
  const stack = new Stack(newStack().node.root as never, 'Two', { env: { account: '123456789012', region: 'eu-west-1' } });
  const lake = new PartitionedParquetLake(stack, 'Lake');
  new CrawledCatalog(stack, 'A', { bucket: lake.bucket, layout: lake.layout, tableName: 'a', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler() });
  new CrawledCatalog(stack, 'B', { bucket: lake.bucket, layout: lake.layout, tableName: 'b' });
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::Glue::Crawler', 2);
  t.resourceCountIs('AWS::Glue::Database', 2);
  t.resourceCountIs('AWS::Glue::SecurityConfiguration', 2);
});
