import { Duration, Size, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, test } from 'vitest';
import {
  ColumnType,
  CrawledCatalog,
  LakeEncryption,
  NewlineStrategy,
  NewlineTransformFirehose,
  NewlineTransformFirehoseProps,
  PartitionLayout,
  PartitionedParquetLake,
  StreamIngest,
  TableSchema,
} from '../src';
import { newStack } from './support/stack';

const SCHEMA = new TableSchema([{ name: 'id', type: ColumnType.STRING }]);

interface Options {
  readonly parquet?: boolean;
  readonly props?: Partial<NewlineTransformFirehoseProps>;
  readonly lakeProps?: object;
  readonly stack?: Stack;
}

function setUp(options: Options = {}) {
  const stack = options.stack ?? newStack();
  const ingest = new StreamIngest(stack, 'Ingest');
  const lake = new PartitionedParquetLake(stack, 'Lake', options.lakeProps);
  const catalog = new CrawledCatalog(stack, 'Catalog', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'clicks',
    schema: options.parquet === false ? undefined : SCHEMA,
  });
  const delivery = new NewlineTransformFirehose(stack, 'Delivery', {
    stream: ingest.stream,
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'clicks',
    table: catalog.table,
    ...options.props,
  });
  return { stack, ingest, lake, catalog, delivery };
}

function destination(stack: Stack) {
  const streams = Object.values(Template.fromStack(stack).findResources('AWS::KinesisFirehose::DeliveryStream'));
  expect(streams).toHaveLength(1);
  return streams[0] as { Properties: { ExtendedS3DestinationConfiguration: Record<string, any>; [k: string]: any }; DependsOn?: string[] };
}

/** The stack-UUID part every log group name ends with. */
const STACK_UUID_PREFIX = { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] };

/** The log groups whose (joined) name starts with the prefix. */
function logGroups(stack: Stack, prefix: string) {
  return Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))
    .filter((g) => JSON.stringify(g.Properties.LogGroupName ?? '').includes(`"${prefix}`)) as Array<{ Properties: Record<string, any>; DeletionPolicy?: string }>;
}

function keyPolicyStatement(stack: Stack, sid: string) {
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))
    .flatMap((k) => k.Properties.KeyPolicy.Statement as Array<Record<string, any>>)
    .filter((st) => st.Sid === sid);
  expect(statements).toHaveLength(1);
  return statements[0];
}

function processorParameters(stack: Stack): Record<string, unknown> {
  const config = destination(stack).Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration;
  const params = config.Processors[0].Parameters as Array<{ ParameterName: string; ParameterValue: unknown }>;
  return Object.fromEntries(params.map((p) => [p.ParameterName, p.ParameterValue]));
}

describe('defaults with a schema (Parquet)', () => {
  test('reads the stream and writes the layout\'s prefixes', () => {
    const { stack, ingest, lake } = setUp();
    const ds = destination(stack);
    expect(ds.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(ds.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN).toEqual(stack.resolve(ingest.stream.streamArn));
    expect(ds.Properties.DeliveryStreamEncryptionConfigurationInput).toBeUndefined();
    const d = ds.Properties.ExtendedS3DestinationConfiguration;
    expect(d.BucketARN).toEqual(stack.resolve(lake.bucket.bucketArn));
    expect(d.Prefix).toBe('clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(d.ErrorOutputPrefix).toBe('errors/clicks/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(d.CustomTimeZone).toBeUndefined();
  });

  test('converts JSON to Parquet with SNAPPY against the catalog table, uncompressed objects, 128 MiB / 300 s', () => {
    const { stack, catalog } = setUp();
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 128 });
    expect(d.CompressionFormat).toBeUndefined();
    expect(d.DataFormatConversionConfiguration).toMatchObject({
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
      SchemaConfiguration: { DatabaseName: catalog.databaseName, TableName: 'clicks', CatalogId: '123456789012', Region: 'eu-west-1' },
    });
    // The literal table name (no Ref to the AWS::Glue::Table), and the table is created first.
    expect(destination(stack).DependsOn).toContain(stack.getLogicalId(catalog.table!));
  });

  test('keeps a GZIP raw backup of every record under the raw prefix', () => {
    const { stack, lake } = setUp();
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.S3BackupMode).toBe('Enabled');
    expect(d.S3BackupConfiguration).toMatchObject({
      BucketARN: stack.resolve(lake.bucket.bucketArn),
      Prefix: 'raw/clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      ErrorOutputPrefix: 'errors/clicks/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      CompressionFormat: 'GZIP',
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
    });
  });

  test('runs no processor before the conversion: no Lambda, no processing configuration', () => {
    const { stack, delivery } = setUp();
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.ProcessingConfiguration).toBeUndefined();
    expect(delivery.processorFunction).toBeUndefined();
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(0);
    // nor any permission to invoke one
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    expect(statements.flatMap((st) => ([] as string[]).concat(st.Action)).filter((a) => a.startsWith('lambda:'))).toEqual([]);
  });

  test('logs delivery errors to a KMS-encrypted log group kept one year, the key usable by CloudWatch Logs for it', () => {
    const { stack, lake, delivery } = setUp();
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.CloudWatchLoggingOptions).toMatchObject({ Enabled: true, LogGroupName: stack.resolve(delivery.logGroup.logGroupName) });
    const groups = logGroups(stack, '/aws/kinesisfirehose/');
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: stack.resolve(lake.encryptionKey!.keyArn) });
    expect(groups[0].DeletionPolicy).toBe('Retain');
    expect(delivery.logKey).toBe(lake.encryptionKey);
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsForFirehoseDeliveries', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } })]) },
    });
  });

  test('the log group is named anew with each creation of the stack, and the key policy names the delivery groups of that creation', () => {
    // A retained group with a fixed name would make re-creating a deleted stack fail on the
    // group left behind. The name ends with the first part of the stack's UUID, which changes
    // with every creation, and the key-policy condition is built from the same expression: one
    // statement for every delivery group of this creation of the stack, so that a key shared by
    // many deliveries holds one statement, not one per delivery.
    const { stack, delivery } = setUp();
    const [group] = logGroups(stack, '/aws/kinesisfirehose/');
    const name = group.Properties.LogGroupName;
    expect(name['Fn::Join'][1][1]).toEqual(STACK_UUID_PREFIX);
    expect(JSON.stringify(name)).toMatch(/^\{"Fn::Join":\["",\["\/aws\/kinesisfirehose\/[^"]*Delivery[^"]*-",\{"Fn::Select":\[0,\{"Fn::Split":\["-",\{"Fn::Select":\[2,\{"Fn::Split":\["\/",\{"Ref":"AWS::StackId"\}\]\}\]\}\]\}\]\}\]\]\}$/);
    // the delivery's logGroup is that group
    expect(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')[stack.resolve(delivery.logGroup.logGroupName).Ref].Properties.LogGroupName).toEqual(name);
    const statement = keyPolicyStatement(stack, 'AllowCloudWatchLogsForFirehoseDeliveries');
    const condition = statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'];
    expect(condition['Fn::Join'][1].slice(-2)).toEqual([':logs:eu-west-1:123456789012:log-group:/aws/kinesisfirehose/*-', STACK_UUID_PREFIX]);
    expect(statement.Action).toEqual(['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey']);
  });

  test('deliveries sharing a key add one key-policy statement between them', () => {
    const { stack, lake } = setUp();
    const other = new StreamIngest(stack, 'Other');
    new NewlineTransformFirehose(stack, 'Second', { stream: other.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'orders' });
    keyPolicyStatement(stack, 'AllowCloudWatchLogsForFirehoseDeliveries');
    expect(logGroups(stack, '/aws/kinesisfirehose/')).toHaveLength(2);
  });

  test('the role trusts Firehose for this account only, and the stream waits for its policy', () => {
    const { stack, delivery } = setUp();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Condition: { StringEquals: { 'sts:ExternalId': '123456789012' } } }],
      },
    });
    const policyId = stack.getLogicalId(delivery.role.node.findChild('DefaultPolicy').node.defaultChild as never);
    expect(destination(stack).DependsOn).toEqual(expect.arrayContaining([policyId]));
    expect(delivery.convertsToParquet).toBe(true);
    expect(delivery.tableName).toBe('clicks');
  });
});

describe('without a schema (JSON lines)', () => {
  test('appends newlines with the bundled Lambda: 0.7 MB buffer for 100-byte records, 60 s, 3 retries', () => {
    const { stack, delivery } = setUp({ parquet: false });
    expect(processorParameters(stack)).toEqual({
      LambdaArn: stack.resolve(delivery.processorFunction!.functionArn),
      RoleArn: stack.resolve(delivery.role.roleArn),
      BufferSizeInMBs: '0.7',
      BufferIntervalInSeconds: '60',
      NumberOfRetries: '3',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', MemorySize: 256, Timeout: 60 });
  });

  test('the bundled function logs to its own KMS-encrypted group, retained, named anew with each creation of the stack', () => {
    const { stack, lake, delivery } = setUp({ parquet: false });
    const groups = logGroups(stack, '/aws/lambda/');
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: stack.resolve(lake.encryptionKey!.keyArn) });
    expect(groups[0].DeletionPolicy).toBe('Retain');
    expect(groups[0].Properties.LogGroupName['Fn::Join'][1][1]).toEqual(STACK_UUID_PREFIX);
    const t = Template.fromStack(stack);
    const [groupId] = Object.entries(t.findResources('AWS::Logs::LogGroup')).find(([, g]) => g === groups[0] || JSON.stringify(g) === JSON.stringify(groups[0]))!;
    const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: groupId } });
    const statement = keyPolicyStatement(stack, 'AllowLogsNewlineTransformFunction5c1b3b3a');
    expect(statement.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(JSON.stringify(statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain('/aws/lambda/');
    expect(delivery.processorFunction).toBeDefined();
  });

  test('delivers GZIP newline-delimited JSON, 64 MiB / 300 s, no conversion', () => {
    const { stack, delivery } = setUp({ parquet: false });
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.CompressionFormat).toBe('GZIP');
    expect(d.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 64 });
    expect(d.DataFormatConversionConfiguration).toBeUndefined();
    expect(delivery.convertsToParquet).toBe(false);
  });

  test('accepts a 1 MiB buffer', () => {
    const { stack } = setUp({ parquet: false, props: { bufferingSize: Size.mebibytes(1), bufferingInterval: Duration.seconds(0) } });
    expect(destination(stack).Properties.ExtendedS3DestinationConfiguration.BufferingHints).toEqual({ IntervalInSeconds: 0, SizeInMBs: 1 });
  });
});

describe('newline strategies', () => {
  test('appendDelimiter uses Firehose\'s built-in processor and no Lambda', () => {
    const { stack, delivery } = setUp({ parquet: false, props: { newline: NewlineStrategy.appendDelimiter() } });
    const config = destination(stack).Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration;
    expect(config.Processors).toEqual([{ Type: 'AppendDelimiterToRecord', Parameters: [] }]);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 0);
    expect(delivery.processorFunction).toBeUndefined();
  });

  test('your Lambda is invoked, and the role may invoke it', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Mine', 'arn:aws:lambda:eu-west-1:123456789012:function:my-transform');
    const { delivery } = setUp({ stack, parquet: false, props: { newline: NewlineStrategy.lambdaFunction(fn) } });
    expect(processorParameters(stack).LambdaArn).toBe('arn:aws:lambda:eu-west-1:123456789012:function:my-transform');
    expect(delivery.processorFunction).toBe(fn);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 0);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Effect: 'Allow', Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:my-transform' },
        ]),
      },
    });
  });

  test('your Lambda runs before the Parquet conversion, for custom processing', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Mine', 'arn:aws:lambda:eu-west-1:123456789012:function:my-enrichment');
    const { delivery } = setUp({ stack, props: { newline: NewlineStrategy.lambdaFunction(fn) } });
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.DataFormatConversionConfiguration.Enabled).toBe(true);
    expect(d.ProcessingConfiguration.Processors).toHaveLength(1);
    expect(processorParameters(stack)).toMatchObject({ LambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:my-enrichment', BufferSizeInMBs: '0.7' });
    expect(delivery.processorFunction).toBe(fn);
  });

  test('one bundled function per stack serves every delivery stream', () => {
    const stack = newStack();
    const { ingest, lake } = setUp({ stack, parquet: false });
    const other = new NewlineTransformFirehose(stack, 'Other', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'orders' });
    const first = stack.node.findChild('Delivery') as NewlineTransformFirehose;
    expect(other.processorFunction).toBe(first.processorFunction);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
    Template.fromStack(stack).resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
  });
});

describe('props', () => {
  test('buffering, backup buffering, processor buffering, retries and name', () => {
    const { stack } = setUp({
      parquet: false,
      props: {
        bufferingInterval: Duration.seconds(900),
        bufferingSize: Size.mebibytes(64),
        rawBackupBufferingInterval: Duration.seconds(60),
        rawBackupBufferingSize: Size.mebibytes(5),
        processorBufferInterval: Duration.seconds(0),
        processorBufferSize: Size.kibibytes(256),
        processorRetries: 0,
        deliveryStreamName: 'clicks-delivery',
      },
    });
    const ds = destination(stack);
    expect(ds.Properties.DeliveryStreamName).toBe('clicks-delivery');
    expect(ds.Properties.ExtendedS3DestinationConfiguration.BufferingHints).toEqual({ IntervalInSeconds: 900, SizeInMBs: 64 });
    expect(ds.Properties.ExtendedS3DestinationConfiguration.S3BackupConfiguration.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 5 });
    expect(processorParameters(stack)).toMatchObject({ BufferSizeInMBs: '0.25', BufferIntervalInSeconds: '0', NumberOfRetries: '0' });
  });

  test.each([
    [Size.bytes(100), '0.7'],
    [Size.bytes(200), '1.3'],
    [Size.bytes(500), '2.2'],
    [Size.kibibytes(1), '2.9'],
    [Size.kibibytes(2), '3'],
    [Size.kibibytes(100), '3'],
  ])('sizes the processor buffer for records of %s', (smallestRecordSize, mb) => {
    const { stack } = setUp({ parquet: false, props: { smallestRecordSize } });
    expect(processorParameters(stack).BufferSizeInMBs).toBe(mb);
  });

  test('rawBackup: false keeps no backup', () => {
    const { stack } = setUp({ props: { rawBackup: false } });
    const d = destination(stack).Properties.ExtendedS3DestinationConfiguration;
    expect(d.S3BackupMode).toBeUndefined();
    expect(d.S3BackupConfiguration).toBeUndefined();
  });

  test('timeZone UTC is passed as UTC', () => {
    const { stack } = setUp({ props: { timeZone: TimeZone.of('UTC') } });
    expect(destination(stack).Properties.ExtendedS3DestinationConfiguration.CustomTimeZone).toBe('UTC');
  });

  test('timeZone partitions by local arrival time', () => {
    const { stack } = setUp({ props: { timeZone: TimeZone.EUROPE_BERLIN } });
    expect(destination(stack).Properties.ExtendedS3DestinationConfiguration.CustomTimeZone).toBe('Europe/Berlin');
  });

  test('logRetention and your log key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
    setUp({ stack, props: { logRetention: logs.RetentionDays.ONE_MONTH, encryptionKey: key } });
    const [group] = logGroups(stack, '/aws/kinesisfirehose/');
    expect(group.Properties).toMatchObject({ RetentionInDays: 30, KmsKeyId: stack.resolve(key.keyArn) });
  });

  test('defines a log key when the lake has none', () => {
    const { stack } = setUp({ lakeProps: { encryption: LakeEncryption.s3Managed() } });
    const keys = Template.fromStack(stack).findResources('AWS::KMS::Key');
    // the stream's key and the log key
    expect(Object.keys(keys)).toHaveLength(2);
  });

  test('warns when an imported log key\'s policy cannot be extended', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/k');
    setUp({ stack, props: { encryptionKey: key } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Delivery', Match.stringLikeRegexp('encryptionKey is not defined in this app'));
  });

  test('works with the daily layout', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const lake = new PartitionedParquetLake(stack, 'Lake', { layout: PartitionLayout.daily() });
    new NewlineTransformFirehose(stack, 'Delivery', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'clicks' });
    expect(destination(stack).Properties.ExtendedS3DestinationConfiguration.Prefix).toBe('clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
  });
});

describe('validation', () => {
  test.each([
    ['bufferingInterval 901 s', { bufferingInterval: Duration.seconds(901) }, /bufferingInterval must be a whole number of seconds from 0 to 900, got 901 seconds/],
    ['bufferingSize below 64 MiB with Parquet', { bufferingSize: Size.mebibytes(32) }, /bufferingSize must be a whole number of MiB from 64 to 128 \(Parquet conversion needs at least 64 MiB\), got 32 MiB/],
    ['bufferingSize above 128 MiB', { bufferingSize: Size.mebibytes(129) }, /bufferingSize must be a whole number of MiB from 64 to 128.*got 129 MiB/],
    ['rawBackupBufferingSize 0.5 MiB', { rawBackupBufferingSize: Size.kibibytes(512) }, /rawBackupBufferingSize must be a whole number of MiB from 1 to 128, got 0.5 MiB/],
    ['rawBackupBufferingInterval 1000 s', { rawBackupBufferingInterval: Duration.seconds(1000) }, /rawBackupBufferingInterval must be a whole number of seconds from 0 to 900/],
    ['backup buffering without backup', { rawBackup: false, rawBackupBufferingSize: Size.mebibytes(5) }, /rawBackupBufferingSize needs rawBackup: true, got rawBackup: false/],
    ['processorBufferSize 4 MB', { parquet: false, processorBufferSize: Size.mebibytes(4) }, /processorBufferSize must be from 0.2 to 3 MB, got 4 MB/],
    ['processorBufferSize 0.1 MB', { parquet: false, processorBufferSize: Size.kibibytes(100) }, /processorBufferSize must be from 0.2 to 3 MB, got 0.1 MB/],
    ['processorBufferSize too large for small records', { parquet: false, processorBufferSize: Size.mebibytes(3) }, /processorBufferSize 3 MB can exceed Lambda's 6 MB request limit with records of 100 bytes and their Kinesis metadata: use at most 0.7 MB/],
    ['records too small for a Lambda', { parquet: false, smallestRecordSize: Size.bytes(10) }, /smallestRecordSize 10 bytes is too small for a Lambda processor.*use NewlineStrategy.appendDelimiter\(\)/],
    ['records above the Kinesis limit', { parquet: false, smallestRecordSize: Size.mebibytes(2) }, /smallestRecordSize must be from 1 byte to 1 MiB/],
    ['processorBufferInterval 901 s', { processorBufferInterval: Duration.seconds(901) }, /processorBufferInterval must be a whole number of seconds from 0 to 900/],
    ['processorRetries 301', { processorRetries: 301 }, /processorRetries must be a whole number from 0 to 300, got 301/],
    ['processor props with the built-in delimiter', { parquet: false, newline: NewlineStrategy.appendDelimiter(), processorBufferSize: Size.mebibytes(1) }, /processorBufferSize applies to a processor Lambda, got it with NewlineStrategy.appendDelimiter\(\)/],
    ['timeZone Etc/UTC', { timeZone: TimeZone.ETC_UTC }, /timeZone must be an IANA time zone name Firehose accepts, got 'Etc\/UTC': use e.g. TimeZone.EUROPE_LONDON, or TimeZone.of\('UTC'\)/],
    ['timeZone EST', { timeZone: TimeZone.of('EST') }, /timeZone must be an IANA time zone name Firehose accepts, got 'EST'/],
    ['deliveryStreamName', { deliveryStreamName: 'has space' }, /deliveryStreamName must be 1 to 64 letters, digits, '_', '-' or '.', got 'has space'/],
    ['the bundled newline before Parquet', { newline: NewlineStrategy.bundledFunction() }, /newline NewlineStrategy.bundledFunction\(\) has no effect with table \(Parquet\): record format conversion reads each record's JSON itself, so a newline only adds a Lambda invocation and a failure mode; remove newline, or pass NewlineStrategy.lambdaFunction\(fn\)/],
    ['the built-in delimiter before Parquet', { newline: NewlineStrategy.appendDelimiter() }, /newline NewlineStrategy.appendDelimiter\(\) has no effect with table \(Parquet\).*only adds a processing step/],
    ['processor props with Parquet and no Lambda', { processorRetries: 1, smallestRecordSize: Size.bytes(500) }, /processorRetries applies to a processor Lambda, got it with Parquet delivery without a processor Lambda: remove processorRetries.*\n.*smallestRecordSize applies to a processor Lambda/s],
  ])('fails on %s', (_name, given, message) => {
    const { parquet, ...props } = given as Partial<NewlineTransformFirehoseProps> & { parquet?: boolean };
    expect(() => setUp({ parquet, props })).toThrow(message);
  });

  test('fails on a table of another name', () => {
    const stack = newStack();
    const { ingest, lake, catalog } = setUp({ stack });
    expect(
      () => new NewlineTransformFirehose(stack, 'Wrong', { stream: ingest.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'orders', table: catalog.table }),
    ).toThrow(/table must be the Glue table named tableName \('orders'\), got the table 'clicks'/);
  });

  test('fails on a bad table name', () => {
    expect(() => setUp({ props: { tableName: 'raw' } })).toThrow(/NewlineTransformFirehose at 'TestStack\/Delivery': .*tableName must not be 'raw'/s);
  });

  test('reports every problem at once', () => {
    expect(() => setUp({ props: { bufferingInterval: Duration.seconds(901), processorRetries: -1 } })).toThrow(/\n {2}- bufferingInterval.*\n {2}- processorRetries/s);
  });
});

describe('metrics', () => {
  const cases: Array<[string, (d: NewlineTransformFirehose) => cloudwatch.Metric, string, string]> = [
    ['metricDeliveryToS3DataFreshness', (d) => d.metricDeliveryToS3DataFreshness(), 'DeliveryToS3.DataFreshness', 'Maximum'],
    ['metricDeliveryToS3Success', (d) => d.metricDeliveryToS3Success(), 'DeliveryToS3.Success', 'Average'],
    ['metricDeliveryToS3Records', (d) => d.metricDeliveryToS3Records(), 'DeliveryToS3.Records', 'Sum'],
    ['metricExecuteProcessingSuccess', (d) => d.metricExecuteProcessingSuccess(), 'ExecuteProcessing.Success', 'Average'],
    ['metricExecuteProcessingDuration', (d) => d.metricExecuteProcessingDuration(), 'ExecuteProcessing.Duration', 'Average'],
    ['metricSucceedProcessingRecords', (d) => d.metricSucceedProcessingRecords(), 'SucceedProcessing.Records', 'Sum'],
    ['metricFailedConversionRecords', (d) => d.metricFailedConversionRecords(), 'FailedConversion.Records', 'Sum'],
    ['metricBackupToS3DataFreshness', (d) => d.metricBackupToS3DataFreshness(), 'BackupToS3.DataFreshness', 'Maximum'],
    ['metric', (d) => d.metric('IncomingRecords'), 'IncomingRecords', 'Average'],
  ];

  test.each(cases)('%s reads %s with its statistic', (_name, make, metricName, statistic) => {
    const { stack, delivery } = setUp();
    const metric = make(delivery);
    expect(metric.namespace).toBe('AWS/Firehose');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toSeconds()).toBe(300);
    expect(stack.resolve(metric.dimensions)).toEqual({ DeliveryStreamName: stack.resolve(delivery.deliveryStream.deliveryStreamName) });
  });

  test('metric options override the defaults', () => {
    const { delivery } = setUp();
    expect(delivery.metricDeliveryToS3DataFreshness({ statistic: 'p99' }).statistic).toBe('p99');
  });
});

test('works with a stream of yours', () => {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const stream = kinesis.Stream.fromStreamArn(stack, 'Yours', 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks');
  new NewlineTransformFirehose(stack, 'Delivery', { stream, bucket: lake.bucket, layout: lake.layout, tableName: 'clicks' });
  expect(destination(stack).Properties.KinesisStreamSourceConfiguration.KinesisStreamARN).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/clicks');
});
