import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, test, vi } from 'vitest';
import {
  ColumnType,
  CrawledCatalog,
  IngestEncryption,
  LakeEncryption,
  NewlineStrategy,
  NewlineTransformFirehose,
  PartitionDiscovery,
  PartitionLayout,
  PartitionedParquetLake,
  PartitionedParquetLakeProps,
  RecrawlPolicy,
  StreamCapacity,
  StreamIngest,
  StreamIngestProps,
  TableSchema,
} from '../../src';
import { awsSolutionsFindings } from '../support/nag';
import { newStack } from '../support/stack';

// cdk-nag AwsSolutions on every construct configuration: zero unacknowledged findings.
// Acknowledgements live next to the resource they concern, each with its reason.

describe('StreamIngest', () => {
  const configurations: Array<[string, (stack: Stack) => StreamIngestProps]> = [
    ['defaults', () => ({})],
    ['on-demand', () => ({ capacity: StreamCapacity.onDemand() })],
    ['your key', (stack) => ({ encryption: IngestEncryption.key(new kms.Key(stack, 'Shared', { enableKeyRotation: true })) })],
    ['the AWS-managed key', () => ({ encryption: IngestEncryption.awsManagedKey() })],
    ['your stream', (stack) => ({ stream: new kinesis.Stream(stack, 'Yours', { encryption: kinesis.StreamEncryption.MANAGED }) })],
  ];

  test.each(configurations)('has no unacknowledged finding with %s', (_name, props) => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', props(stack));
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('the customer-managed key is acknowledged for KDS3 (which asks for aws/kinesis) on the stream only, with its reason', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const entries = ingest.stream.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    const acknowledged = Object.assign({}, ...entries.map((e) => e.data as Record<string, string>));
    expect(Object.keys(acknowledged).map((k) => k.replace(/^annotation::/i, ''))).toEqual(['AwsSolutions-KDS3']);
    expect(Object.values(acknowledged)[0]).toMatch(/customer-managed KMS key on purpose: its key policy can be audited/);
  });

  test('the AWS-managed key needs no acknowledgement', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.awsManagedKey() });
    expect(ingest.stream.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);
  });

  test('an unencrypted stream of yours would be reported (the check is live)', () => {
    const stack = newStack();
    new kinesis.Stream(stack, 'Plain', { encryption: kinesis.StreamEncryption.UNENCRYPTED });
    expect(awsSolutionsFindings(stack).map((f) => f.rule)).toContain('AwsSolutions-KDS1');
  });

  test('the cdk-nag validation plugin passes a synth of the default construct', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'NagStack');
    new StreamIngest(stack, 'Ingest');
    expect(() => app.synth()).not.toThrow();
  });
});

describe('PartitionedParquetLake', () => {
  const configurations: Array<[string, (stack: Stack) => PartitionedParquetLakeProps]> = [
    ['defaults', () => ({})],
    ['SSE-S3', () => ({ encryption: LakeEncryption.s3Managed() })],
    ['the AWS-managed key', () => ({ encryption: LakeEncryption.awsManagedKey() })],
    ['no versioning and no access logs', () => ({ versioned: false, serverAccessLogs: false })],
    ['EventBridge and a daily layout', () => ({ eventBridgeEnabled: true, layout: PartitionLayout.daily() })],
  ];

  test.each(configurations)('has no unacknowledged finding with %s', (_name, props) => {
    const stack = newStack();
    new PartitionedParquetLake(stack, 'Lake', props(stack));
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('grants leave no finding on the grantee', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
    lake.grantRead(role, 'clicks');
    lake.grantWrite(role, 'clicks');
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('a wildcard the grants did not create is still reported on the grantee', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
    lake.grantRead(role, 'clicks');
    lake.bucket.grantRead(role, 'orders/*');
    expect(awsSolutionsFindings(stack).map((f) => f.rule)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-IAM5\[.*orders/)]));
  });
});

describe('CrawledCatalog', () => {
  const schema = new TableSchema([{ name: 'id', type: ColumnType.STRING }]);
  const configurations: Array<[string, TableSchema | undefined, PartitionDiscovery | undefined]> = [
    ['schema-first, projection', schema, undefined],
    ['schema-first, crawler', schema, PartitionDiscovery.crawler()],
    ['schema-first, crawler on S3 events', schema, PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS })],
    ['schema-first, event-driven registration', schema, PartitionDiscovery.eventDriven()],
    ['schema-on-read, crawler', undefined, undefined],
    ['schema-on-read, full recrawls', undefined, PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.EVERYTHING })],
  ];

  test.each(configurations)('has no unacknowledged finding with %s', (_name, tableSchema, partitionDiscovery) => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: tableSchema, partitionDiscovery });
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    catalog.grantRead(role);
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('over an imported bucket with SSE-S3, defining its own log key', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Imported', 'existing-lake');
    new CrawledCatalog(stack, 'Catalog', { bucket, layout: PartitionLayout.hourly(), tableName: 'clicks' });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('NewlineTransformFirehose', () => {
  const schema = new TableSchema([{ name: 'id', type: ColumnType.STRING }]);
  const configurations: Array<[string, boolean, (stack: Stack) => NewlineStrategy | undefined]> = [
    ['Parquet, no processor (the default)', true, () => undefined],
    ['JSON lines, bundled Lambda (the default)', false, () => undefined],
    ['JSON lines, built-in delimiter', false, () => NewlineStrategy.appendDelimiter()],
    ['JSON lines, your Lambda', false, (stack) => NewlineStrategy.lambdaFunction(lambda.Function.fromFunctionArn(stack, 'Mine', 'arn:aws:lambda:eu-west-1:123456789012:function:mine'))],
    ['Parquet, your Lambda', true, (stack) => NewlineStrategy.lambdaFunction(lambda.Function.fromFunctionArn(stack, 'Mine', 'arn:aws:lambda:eu-west-1:123456789012:function:mine'))],
  ];

  test.each(configurations)('has no unacknowledged finding with %s', (_name, parquet, newline) => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: parquet ? schema : undefined });
    new NewlineTransformFirehose(stack, 'Delivery', {
      stream: ingest.stream,
      bucket: lake.bucket,
      layout: lake.layout,
      tableName: 'clicks',
      table: catalog.table,
      newline: newline(stack),
    });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('acknowledgements on every supported aws-cdk-lib', () => {
  test('hold when Validations rejects granular IDs (releases before `::` was allowed inside brackets)', () => {
    const original = Validations.prototype.acknowledge;
    const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
      if (rules.some((r) => r.id.split('::').length > 2)) throw new Error('InvalidValidationId');
      original.apply(this, rules);
    });
    try {
      const stack = newStack();
      const ingest = new StreamIngest(stack, 'Ingest');
      const lake = new PartitionedParquetLake(stack, 'Lake');
      const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', partitionDiscovery: PartitionDiscovery.crawler() });
      new NewlineTransformFirehose(stack, 'Delivery', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', table: catalog.table });
      expect(spy).toHaveBeenCalled();
      expect(awsSolutionsFindings(stack)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
