import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, test } from 'vitest';
import {
  AthenaEngineVersion,
  AthenaQueryLayer,
  AthenaQueryLayerProps,
  ColumnType,
  CrawledCatalog,
  PartitionedParquetLake,
  PartitionLayout,
  QueryResultsLocation,
  TableSchema,
} from '../src';
import { awsSolutionsFindings } from './support/nag';
import { newStack } from './support/stack';

const SCHEMA = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'amount', type: ColumnType.decimal(10, 2) },
]);

function setUp(props: AthenaQueryLayerProps = {}, withTable = true) {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
  const layer = new AthenaQueryLayer(stack, 'Queries', { tables: withTable ? [catalog] : undefined, ...props });
  return { stack, lake, catalog, layer, template: () => Template.fromStack(stack) };
}

function idOf(stack: ReturnType<typeof newStack>, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

function workGroupConfiguration(t: Template): Record<string, unknown> {
  const [wg] = Object.values(t.findResources('AWS::Athena::WorkGroup'));
  return wg.Properties.WorkGroupConfiguration;
}

describe('defaults', () => {
  const { stack, lake, layer, template } = setUp();
  const t = template();

  test('one workgroup, enabled, engine version 3, settings enforced, metrics on, 10 GiB cutoff, requester pays off', () => {
    t.resourceCountIs('AWS::Athena::WorkGroup', 1);
    t.hasResource('AWS::Athena::WorkGroup', {
      DeletionPolicy: 'Delete',
      Properties: {
        Name: layer.workGroupName,
        State: 'ENABLED',
        RecursiveDeleteOption: true,
        Description: 'Data lake queries (TestStack/Queries)',
        WorkGroupConfiguration: {
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
          RequesterPaysEnabled: false,
        },
      },
    });
    expect(layer.workGroupName).toMatch(/^[a-zA-Z0-9._-]{1,128}$/);
    expect(layer.engineVersion).toBe(AthenaEngineVersion.V3);
    expect(layer.resultReuseConfiguration).toBeUndefined();
  });

  test('results in a bucket of its own under athena-results/, SSE-KMS with the lake key, owner checked', () => {
    const results = idOf(stack, layer.resultsBucket);
    expect(workGroupConfiguration(t).ResultConfiguration).toEqual({
      OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: results }, '/athena-results/']] },
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [idOf(stack, lake.encryptionKey as kms.Key), 'Arn'] } },
      ExpectedBucketOwner: '123456789012',
    });
    expect(layer.encryptionKey).toBe(lake.encryptionKey);
    expect(layer.resultsPrefix).toBe('athena-results/');
    t.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('the results bucket: KMS, bucket key, public access blocked, TLS 1.2, owner enforced, results expire after 7 days, retained', () => {
    const results = idOf(stack, layer.resultsBucket);
    const bucket = t.findResources('AWS::S3::Bucket')[results];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [idOf(stack, lake.encryptionKey as kms.Key), 'Arn'] } },
      },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'expire-athena-results', Prefix: 'athena-results/', ExpirationInDays: 7, Status: 'Enabled' },
      { Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
    ]);
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    const [policy] = Object.values(t.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: results } } }));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"s3:TlsVersion":1.2');
  });

  test('saves two named queries and one prepared statement for the table, in the workgroup, after it', () => {
    const { catalog } = setUp();
    t.resourceCountIs('AWS::Athena::NamedQuery', 2);
    t.resourceCountIs('AWS::Athena::PreparedStatement', 1);
    const wg = Object.keys(t.findResources('AWS::Athena::WorkGroup'))[0];
    for (const name of ['clicks (latest partition)', 'clicks (starter query)']) {
      t.hasResource('AWS::Athena::NamedQuery', {
        Properties: { Name: name, Database: catalog.databaseName, WorkGroup: layer.workGroupName },
        DependsOn: [wg],
      });
    }
    t.hasResource('AWS::Athena::PreparedStatement', {
      Properties: { StatementName: 'clicks_rows_per_partition', WorkGroup: layer.workGroupName, QueryStatement: Match.stringLikeRegexp('BETWEEN \\? AND \\?') },
      DependsOn: [wg],
    });
    expect(layer.savedQueries.map((q) => q.name)).toEqual(['clicks (latest partition)', 'clicks (starter query)', 'clicks_rows_per_partition']);
    expect(layer.savedQueries[2].parameters).toHaveLength(4);
  });

  test('the named queries run in the table\'s database, and every statement names the table quoted', () => {
    const { catalog } = setUp();
    for (const q of Object.values(t.findResources('AWS::Athena::NamedQuery'))) {
      expect(q.Properties.Database).toBe(catalog.databaseName);
      expect(q.Properties.QueryString).toContain(`"${catalog.databaseName}"."clicks"`);
    }
  });

  test('every saved statement filters on every partition key', () => {
    for (const q of layer.savedQueries) {
      for (const key of ['"year"', '"month"', '"day"', '"hour"']) expect(q.sql.split('WHERE')[1]).toContain(key);
    }
  });

  test('cdk-nag: no unacknowledged finding', () => {
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('props', () => {
  test('workGroupName and description', () => {
    const { template } = setUp({ workGroupName: 'analysts.v1', description: 'for analysts' });
    template().hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'analysts.v1', Description: 'for analysts' });
  });

  test('bytesScannedCutoffPerQuery', () => {
    const { template } = setUp({ bytesScannedCutoffPerQuery: Size.gibibytes(50) });
    expect(workGroupConfiguration(template()).BytesScannedCutoffPerQuery).toBe(50 * 1024 ** 3);
  });

  test('bytesScannedCutoffPerQuery at Athena\'s minimum, 10 MB, is accepted', () => {
    const { template } = setUp({ bytesScannedCutoffPerQuery: Size.bytes(10_000_000) });
    expect(workGroupConfiguration(template()).BytesScannedCutoffPerQuery).toBe(10_000_000);
  });

  test('engineVersion AUTO', () => {
    const { template } = setUp({ engineVersion: AthenaEngineVersion.AUTO });
    expect(workGroupConfiguration(template()).EngineVersion).toEqual({ SelectedEngineVersion: 'AUTO' });
  });

  test.each([true, false])('enforceWorkGroupConfiguration %s', (enforce) => {
    const { template } = setUp({ enforceWorkGroupConfiguration: enforce });
    expect(workGroupConfiguration(template()).EnforceWorkGroupConfiguration).toBe(enforce);
  });

  test.each([true, false])('publishCloudWatchMetrics %s', (publish) => {
    const { template, layer } = setUp({ publishCloudWatchMetrics: publish });
    expect(workGroupConfiguration(template()).PublishCloudWatchMetricsEnabled).toBe(publish);
    if (publish) {
      expect(layer.metricProcessedBytes().metricName).toBe('ProcessedBytes');
    } else {
      expect(() => layer.metricProcessedBytes()).toThrow(
        "AthenaQueryLayer at 'TestStack/Queries': metric ProcessedBytes needs publishCloudWatchMetrics: true, got false: the workgroup publishes no metrics; turn them on or remove the metric",
      );
    }
  });

  test('resultsExpiration', () => {
    const { template, stack, layer } = setUp({ resultsExpiration: Duration.days(30) });
    const bucket = template().findResources('AWS::S3::Bucket')[idOf(stack, layer.resultsBucket)];
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toEqual({ Id: 'expire-athena-results', Prefix: 'athena-results/', ExpirationInDays: 30, Status: 'Enabled' });
  });

  test('removalPolicy DESTROY applies to the results bucket; the workgroup is always deleted', () => {
    const { template, stack, layer } = setUp({ removalPolicy: RemovalPolicy.DESTROY });
    expect(template().findResources('AWS::S3::Bucket')[idOf(stack, layer.resultsBucket)].DeletionPolicy).toBe('Delete');
    template().hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Delete', Properties: { RecursiveDeleteOption: true } });
  });

  test('encryptionKey', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Mine');
    const layer = new AthenaQueryLayer(stack, 'Queries', { encryptionKey: key });
    expect(layer.encryptionKey).toBe(key);
    expect(workGroupConfiguration(Template.fromStack(stack)).ResultConfiguration).toMatchObject({
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] } },
    });
  });

  test('no table: a key of its own, with rotation, retained', () => {
    const { template, layer } = setUp({}, false);
    template().resourceCountIs('AWS::KMS::Key', 2);
    template().hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true, Description: 'Encrypts the Athena query results of TestStack/Queries' }, DeletionPolicy: 'Retain' });
    expect(layer.savedQueries).toEqual([]);
    template().resourceCountIs('AWS::Athena::NamedQuery', 0);
  });

  test('resultReuseMaxAge is published for clients', () => {
    const { layer } = setUp({ resultReuseMaxAge: Duration.hours(2) });
    expect(layer.resultReuseConfiguration).toEqual({ enabled: true, maxAgeInMinutes: 120 });
  });

  test('serverAccessLogsBucket: the results bucket logs there, and the log bucket lets S3 logging write for it only', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const layer = new AthenaQueryLayer(stack, 'Queries', { serverAccessLogsBucket: lake.accessLogsBucket });
    const t = Template.fromStack(stack);
    const logs = idOf(stack, lake.accessLogsBucket!);
    const bucket = t.findResources('AWS::S3::Bucket')[idOf(stack, layer.resultsBucket)];
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logs }, LogFilePrefix: 'athena-results/' });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logs, 'Arn'] }, '/athena-results/*']] },
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [idOf(stack, layer.resultsBucket), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  test('cdk-nag: no unacknowledged finding with serverAccessLogsBucket', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    new AthenaQueryLayer(stack, 'Queries', { serverAccessLogsBucket: lake.accessLogsBucket });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('QueryResultsLocation.inBucket with the lake bucket: results under the prefix, expired by a rule added to the lake bucket', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const layer = new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(lake.bucket, 'queries/results/'), resultsExpiration: Duration.days(3) });
    const t = Template.fromStack(stack);
    expect(layer.resultsBucket).toBe(lake.bucket);
    expect(workGroupConfiguration(t).ResultConfiguration).toMatchObject({ OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: idOf(stack, lake.bucket) }, '/queries/results/']] } });
    const rules = t.findResources('AWS::S3::Bucket')[idOf(stack, lake.bucket)].Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual({ Id: expect.stringMatching(/^expire-athena-results-/), Prefix: 'queries/results/', ExpirationInDays: 3, Status: 'Enabled' });
    t.resourceCountIs('AWS::S3::Bucket', 2); // the lake and its access logs: no results bucket
  });

  test('QueryResultsLocation.inBucket with an imported bucket: a warning that nothing expires the results', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Imported', 'shared-results');
    new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(bucket) });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Queries',
      Match.stringLikeRegexp('query results go to an imported bucket, whose lifecycle this construct cannot change: expire the objects under athena-results/'),
    );
  });

  test('addTable: a second table gets its own queries and is granted to earlier grantees', () => {
    const { stack, lake, layer, template } = setUp();
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    layer.grantQuery(role);
    const orders = new CrawledCatalog(stack, 'Orders', { bucket: lake.bucket, layout: PartitionLayout.daily(), tableName: 'orders', schema: SCHEMA });
    layer.addTable(orders);
    template().resourceCountIs('AWS::Athena::NamedQuery', 4);
    template().hasResourceProperties('AWS::Athena::PreparedStatement', { StatementName: 'orders_rows_per_partition' });
    const policies = JSON.stringify(template().findResources('AWS::IAM::Policy'));
    expect(policies).toContain(`table/${orders.databaseName}/orders`);
    expect(policies).toContain('/orders/*');
  });

  test.each([true, false])('addTable savedQueries %s', (saved) => {
    const { stack, lake, layer, template } = setUp({}, false);
    const orders = new CrawledCatalog(stack, 'Orders', { bucket: lake.bucket, layout: lake.layout, tableName: 'orders', schema: SCHEMA });
    layer.addTable(orders, { savedQueries: saved });
    template().resourceCountIs('AWS::Athena::NamedQuery', saved ? 2 : 0);
    template().resourceCountIs('AWS::Athena::PreparedStatement', saved ? 1 : 0);
  });
});

describe('validation', () => {
  test.each([
    [{ workGroupName: 'my workgroup' }, "workGroupName must be 1 to 128 letters, digits, periods, underscores or hyphens, got 'my workgroup': e.g. 'my-workgroup'"],
    [{ bytesScannedCutoffPerQuery: Size.mebibytes(5) }, "bytesScannedCutoffPerQuery must be at least 10 MB (10000000 bytes, Athena's minimum), got 5242880 bytes: use e.g. Size.gibibytes(10)"],
    [{ resultsExpiration: Duration.hours(36) }, 'resultsExpiration must be a whole number of days, at least 1 (S3 lifecycle rules count days), got 1 day 12 hours: e.g. Duration.days(7)'],
    [{ resultReuseMaxAge: Duration.days(8) }, "resultReuseMaxAge must be whole minutes from 1 minute to 7 days (Athena's range), got 8 days: e.g. Duration.hours(1)"],
    [{ resultReuseMaxAge: Duration.seconds(30) }, "resultReuseMaxAge must be whole minutes from 1 minute to 7 days (Athena's range), got 30 seconds: e.g. Duration.hours(1)"],
    [
      { resultReuseMaxAge: Duration.hours(1), engineVersion: AthenaEngineVersion.AUTO },
      'resultReuseMaxAge needs engineVersion AthenaEngineVersion.V3 (result reuse is an engine version 3 feature), got AthenaEngineVersion.AUTO: use AthenaEngineVersion.V3 or remove resultReuseMaxAge',
    ],
  ] as Array<[AthenaQueryLayerProps, string]>)('rejects %o', (props, message) => {
    expect(() => setUp(props)).toThrow(`AthenaQueryLayer at 'TestStack/Queries': ${message}`);
  });

  test.each([
    ['', "results prefix must be a non-empty S3 key prefix ending in '/', without a leading '/', got '': e.g. 'athena-results/'"],
    ['results', "results prefix must be a non-empty S3 key prefix ending in '/', without a leading '/', got 'results': e.g. 'athena-results/'"],
    ['/results/', "results prefix must be a non-empty S3 key prefix ending in '/', without a leading '/', got '/results/': e.g. 'athena-results/'"],
    ['raw/athena/', "results prefix must not be under the lake's raw/ or errors/ roots, got 'raw/athena/': use e.g. 'athena-results/'"],
    ['errors/', "results prefix must not be under the lake's raw/ or errors/ roots, got 'errors/': use e.g. 'athena-results/'"],
  ])('rejects the results prefix %j', (prefix, message) => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    expect(() => new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(bucket, prefix) })).toThrow(`AthenaQueryLayer at 'TestStack/Queries': ${message}`);
  });

  test('rejects a results prefix inside a table\'s own prefix of the lake bucket', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
    expect(() => new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(lake.bucket, 'clicks/results/'), tables: [catalog] })).toThrow(
      "AthenaQueryLayer at 'TestStack/Queries': results prefix 'clicks/results/' is under the table clicks's own prefix in the lake bucket, so results would be read as table data: use another prefix, e.g. 'athena-results/'",
    );
  });

  test.each([
    [{ removalPolicy: RemovalPolicy.DESTROY }, 'removalPolicy applies to the results bucket this construct defines, got it with QueryResultsLocation.inBucket(): remove removalPolicy, or use QueryResultsLocation.newBucket()'],
    [{ serverAccessLogsBucket: 'logs' }, 'serverAccessLogsBucket configures the results bucket this construct defines, got it with QueryResultsLocation.inBucket(): configure access logs where your bucket is defined, or use QueryResultsLocation.newBucket()'],
  ] as Array<[{ removalPolicy?: RemovalPolicy; serverAccessLogsBucket?: string }, string]>)('with inBucket, rejects %o', (props, message) => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    const p = { ...props, serverAccessLogsBucket: props.serverAccessLogsBucket ? new s3.Bucket(stack, 'Logs') : undefined };
    expect(() => new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(bucket), ...p } as AthenaQueryLayerProps)).toThrow(
      `AthenaQueryLayer at 'TestStack/Queries': ${message}`,
    );
  });

  test('rejects resultsExpiration with an imported results bucket', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Imported', 'shared-results');
    expect(() => new AthenaQueryLayer(stack, 'Queries', { results: QueryResultsLocation.inBucket(bucket), resultsExpiration: Duration.days(3) })).toThrow(
      "AthenaQueryLayer at 'TestStack/Queries': resultsExpiration needs a bucket this app defines, got an imported bucket, whose lifecycle rules this construct cannot change: set the expiry where the bucket is managed and remove resultsExpiration",
    );
  });

  test('rejects the same table twice', () => {
    const { layer, catalog } = setUp();
    expect(() => layer.addTable(catalog)).toThrow(`AthenaQueryLayer at 'TestStack/Queries': addTable got the table ${catalog.databaseName}.clicks twice: add each table once`);
  });

  test('reports every problem at once', () => {
    expect(() => setUp({ workGroupName: 'a b', bytesScannedCutoffPerQuery: Size.bytes(1) })).toThrow(/\n {2}- workGroupName[^\n]+\n {2}- bytesScannedCutoffPerQuery/);
  });
});
