import { Duration, Size, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, test } from 'vitest';
import { IngestEncryption, PartitionedParquetLake, StreamIngest } from '../src';
import { awsSolutionsFindings } from './support/nag';
import { newStack } from './support/stack';
import {
  BatchProducer,
  BatchTrigger,
  BatchTriggerProps,
  BatchTriggerSource,
  BundledProducerOptions,
  ReplaySource,
} from '../src/batch-trigger/batch-trigger';

type PropsOf = Partial<BatchTriggerProps> | ((lake: PartitionedParquetLake) => Partial<BatchTriggerProps>);

function setUp(props: PropsOf = {}, options: { eventBridge?: boolean; encryption?: IngestEncryption } = {}) {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: options.eventBridge ?? true });
  const ingest = new StreamIngest(stack, 'Ingest', { encryption: options.encryption });
  const trigger = new BatchTrigger(stack, 'Batch', {
    stream: ingest.stream,
    source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix: 'landing/' }),
    ...(typeof props === 'function' ? props(lake) : props),
  });
  return { stack, lake, ingest, trigger };
}

function bundled(options: BundledProducerOptions, more: Partial<BatchTriggerProps> = {}) {
  return setUp({ producer: BatchProducer.bundled(options), ...more });
}

function only(t: Template, type: string) {
  const found = Object.values(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, any>; DependsOn?: string[] };
}

function producerFunction(t: Template) {
  const fns = Object.values(t.findResources('AWS::Lambda::Function')).filter((f: any) => f.Properties.Environment?.Variables?.STREAM_NAME);
  expect(fns).toHaveLength(1);
  return fns[0] as { Properties: Record<string, any> };
}

function statementsOf(t: Template, stack: Stack, role: unknown): any[] {
  const ref = stack.resolve((role as { roleName: string }).roleName);
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: unknown) => JSON.stringify(r) === JSON.stringify(ref)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function actionsOf(statements: any[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

const problem = (msg: string) => `BatchTrigger at 'TestStack/Batch': ${msg}`;

describe('defaults (bundled producer, S3 events)', () => {
  test('defines the bundled producer on Node.js 24 with 1024 MiB, 15 minutes and no reserved concurrency', () => {
    const { stack } = setUp();
    const fn = producerFunction(Template.fromStack(stack));
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 1024, Timeout: 900, Handler: 'index.handler' });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('gives the producer the stream, the queue, 10 attempts, a one-minute margin and what it may read', () => {
    const { stack, ingest, lake, trigger } = setUp();
    const env = producerFunction(Template.fromStack(stack)).Properties.Environment.Variables;
    expect(env.STREAM_NAME).toEqual(stack.resolve(ingest.stream.streamName));
    expect(env.DEAD_LETTER_QUEUE_URL).toEqual(stack.resolve(trigger.deadLetterQueue.queueUrl));
    expect(env.MAX_ATTEMPTS).toBe('10');
    expect(env.CONTINUE_BEFORE_MS).toBe('60000');
    expect(JSON.stringify(env.READABLE)).toContain(stack.resolve(lake.bucket.bucketName).Ref);
    expect(JSON.stringify(env.READABLE)).toContain('landing/');
    expect(env.PARTITION_KEY_FIELD).toBeUndefined();
    expect(env.REPLAY).toBeUndefined();
  });

  test('retries a failed invocation twice, then sends it to the dead-letter queue', () => {
    const { stack, trigger } = setUp();
    expect(only(Template.fromStack(stack), 'AWS::Lambda::EventInvokeConfig').Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: stack.resolve(trigger.deadLetterQueue.queueArn) } },
    });
  });

  test('encrypts the dead-letter queue with SQS-managed keys, keeps messages 14 days and refuses plain HTTP', () => {
    const { stack, trigger } = setUp();
    const t = Template.fromStack(stack);
    const queue = t.findResources('AWS::SQS::Queue');
    const dlq = queue[stack.getLogicalId(trigger.deadLetterQueue.node.defaultChild as never)];
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('encrypts the producer log group with the stream key and keeps it a year', () => {
    const { stack, ingest } = setUp();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: stack.resolve(ingest.encryptionKey!.keyArn), RetentionInDays: 365 });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' }, Condition: Match.anyValue() })]) },
    });
  });

  test('listens to Object Created events of the landing prefix through EventBridge, with retries for 24 hours and the DLQ', () => {
    const { stack, lake, trigger } = setUp();
    const rule = only(Template.fromStack(stack), 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.s3'],
      'detail-type': ['Object Created'],
      'detail': { bucket: { name: [stack.resolve(lake.bucket.bucketName)] }, object: { key: [{ prefix: 'landing/' }] } },
    });
    expect(rule.Properties.Targets[0]).toMatchObject({
      Arn: stack.resolve(trigger.producer.functionArn),
      DeadLetterConfig: { Arn: stack.resolve(trigger.deadLetterQueue.queueArn) },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
    });
  });

  test('grants PutRecords on the stream only, data keys of the stream key, SendMessage to its DLQ and reads of the landing prefix', () => {
    const { stack, ingest, lake, trigger } = setUp();
    const t = Template.fromStack(stack);
    const statements = statementsOf(t, stack, trigger.role);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'kinesis:PutRecords', Resource: stack.resolve(ingest.stream.streamArn) }),
      expect.objectContaining({ Action: 'kms:GenerateDataKey', Resource: stack.resolve(ingest.encryptionKey!.keyArn) }),
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: stack.resolve(trigger.deadLetterQueue.queueArn) }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: stack.resolve(lake.bucket.arnForObjects('landing/*')) }),
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['landing/', 'landing/*'] } } }),
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: stack.resolve(lake.bucket.encryptionKey!.keyArn) }),
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: stack.resolve(trigger.producer.functionArn) }),
    ]));
    expect(actionsOf(statements).every((a) => !a.includes('*'))).toBe(true);
  });

  test('lets the producer invoke itself through a policy of its own, so the function does not depend on it', () => {
    const { stack, trigger } = setUp();
    const t = Template.fromStack(stack);
    const continuation = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.includes('ContinuationPolicy'));
    expect(continuation).toBeDefined();
    const fn = t.findResources('AWS::Lambda::Function')[stack.getLogicalId(trigger.producer.node.defaultChild as never)];
    expect(fn.DependsOn ?? []).not.toContain(continuation![0]);
  });

  test('defines a key for the logs when the stream uses the AWS-managed key, and grants no data keys', () => {
    const { stack, trigger } = setUp({}, { encryption: IngestEncryption.awsManagedKey() });
    const t = Template.fromStack(stack);
    expect(Object.keys(t.findResources('AWS::KMS::Key')).some((id) => id.includes('LogsKey'))).toBe(true);
    expect(actionsOf(statementsOf(t, stack, trigger.role))).not.toContain('kms:GenerateDataKey');
  });

  test('two triggers synthesize in one stack', () => {
    const { stack, lake, ingest } = setUp();
    new BatchTrigger(stack, 'Second', { stream: ingest.stream, source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix: 'other/' }) });
    expect(Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))).toHaveLength(2);
  });

  test('has no unacknowledged cdk-nag finding', () => {
    const { stack } = setUp();
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('bundled producer options', () => {
  test('partitionKeyField goes to the environment', () => {
    const { stack } = bundled({ partitionKeyField: 'device.id' });
    expect(producerFunction(Template.fromStack(stack)).Properties.Environment.Variables.PARTITION_KEY_FIELD).toBe('device.id');
  });

  test('memorySize, timeout and reservedConcurrentExecutions set the function; the margin is a quarter of a short timeout', () => {
    const { stack } = bundled({ memorySize: Size.mebibytes(512), timeout: Duration.minutes(2), reservedConcurrentExecutions: 4 });
    const fn = producerFunction(Template.fromStack(stack));
    expect(fn.Properties).toMatchObject({ MemorySize: 512, Timeout: 120, ReservedConcurrentExecutions: 4 });
    expect(fn.Properties.Environment.Variables.CONTINUE_BEFORE_MS).toBe('30000');
  });

  test('maxAttempts goes to the environment', () => {
    const { stack } = bundled({ maxAttempts: 3 });
    expect(producerFunction(Template.fromStack(stack)).Properties.Environment.Variables.MAX_ATTEMPTS).toBe('3');
  });

  test('logRetention and logEncryptionKey set the log group', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey');
    const ingest = new StreamIngest(stack, 'Ingest');
    const bucket = new s3.Bucket(stack, 'Landing', { eventBridgeEnabled: true });
    new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.s3Objects({ bucket, prefix: 'in/' }),
      producer: BatchProducer.bundled({ logRetention: logs.RetentionDays.ONE_MONTH, logEncryptionKey: key }),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: stack.resolve(key.keyArn), RetentionInDays: 30 });
  });
});

describe('sources', () => {
  test('a rate schedule invokes the producer with the bucket, prefix and a window of the rate ending at the scheduled time', () => {
    const { stack } = setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.minutes(5)), { objects: { bucket: lake.bucket, prefix: 'landing/' } }),
    }));
    const rule = only(Template.fromStack(stack), 'AWS::Events::Rule');
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const transformer = rule.Properties.Targets[0].InputTransformer;
    expect(transformer.InputPathsMap).toEqual({ time: '$.time' });
    expect(JSON.stringify(transformer.InputTemplate)).toContain('\\"seconds\\":300');
    expect(JSON.stringify(transformer.InputTemplate)).toContain('<time>');
  });

  test('a cron schedule takes the given window', () => {
    const { stack } = setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.cron({ minute: '0' }), { objects: { bucket: lake.bucket, prefix: 'landing/' }, window: Duration.hours(1) }),
    }));
    const rule = only(Template.fromStack(stack), 'AWS::Events::Rule');
    expect(rule.Properties.ScheduleExpression).toBe('cron(0 * * * ? *)');
    expect(JSON.stringify(rule.Properties.Targets[0].InputTransformer.InputTemplate)).toContain('\\"seconds\\":3600');
  });

  test('a direct-invoke source defines no rule', () => {
    const { stack } = setUp((lake) => ({ source: BatchTriggerSource.directInvoke({ objects: { bucket: lake.bucket, prefix: 'landing/' } }) }));
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 0);
  });

  test('warns that an imported bucket must send its events to EventBridge', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.s3Objects({ bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'landing-bucket'), prefix: 'in/' }),
    });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('make sure the imported bucket has EventBridge notifications'));
  });

  test('a schedule with the bundled producer has no cdk-nag finding', () => {
    const { stack } = setUp((lake) => ({ source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.hours(1)), { objects: { bucket: lake.bucket, prefix: 'landing/' } }) }));
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('replay', () => {
  function withReplay(extra: Partial<BatchTriggerProps> = {}) {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const ingest = new StreamIngest(stack, 'Ingest');
    const trigger = new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.directInvoke(),
      replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks', 'orders'] },
      ...extra,
    });
    return { stack, lake, trigger };
  }

  test('gives the producer the layout\'s raw-backup and error prefixes of each table, in UTC by default', () => {
    const { stack, lake } = withReplay();
    const env = producerFunction(Template.fromStack(stack)).Properties.Environment.Variables;
    const replay = JSON.stringify(env.REPLAY);
    expect(replay).toContain(lake.layout.backupPrefix('clicks').replace(/"/g, '\\"'));
    expect(replay).toContain(lake.layout.errorPrefix('orders'));
    expect(replay).toContain('\\"timeZone\\":\\"UTC\\"');
  });

  test('timeZone goes to the producer', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const ingest = new StreamIngest(stack, 'Ingest');
    new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.directInvoke(),
      replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks'], timeZone: TimeZone.EUROPE_BERLIN },
    });
    expect(JSON.stringify(producerFunction(Template.fromStack(stack)).Properties.Environment.Variables.REPLAY)).toContain('Europe/Berlin');
  });

  test('lets the producer read raw/<table>/ and errors/<table>/ of each replay table, nothing else of the lake', () => {
    const { stack, lake, trigger } = withReplay();
    const statements = statementsOf(Template.fromStack(stack), stack, trigger.role);
    const get = statements.find((s) => s.Action === 's3:GetObject');
    expect(get.Resource).toEqual(['raw/clicks/*', 'errors/clicks/*', 'raw/orders/*', 'errors/orders/*'].map((p) => stack.resolve(lake.bucket.arnForObjects(p))));
  });

  test('replayPayload gives the direct-invoke payload, raw backup by default', () => {
    const { trigger } = withReplay();
    expect(JSON.parse(trigger.replayPayload({ table: 'clicks', start: new Date('2026-11-27T03:00:00Z'), end: new Date('2026-11-27T08:00:00Z') }))).toEqual({
      replay: { table: 'clicks', from: '2026-11-27T03:00:00.000Z', to: '2026-11-27T08:00:00.000Z', source: 'raw' },
    });
    expect(JSON.parse(trigger.replayPayload({ table: 'orders', start: new Date(0), end: new Date(3_600_000), source: ReplaySource.ERROR_OUTPUT })).replay.source).toBe('errors');
  });

  test('replayPayload still takes the deprecated from and to (Python sees from as from_), with the same payload', () => {
    const { trigger } = withReplay();
    const range = { start: new Date('2026-11-27T03:00:00Z'), end: new Date('2026-11-27T08:00:00Z') };
    const expected = trigger.replayPayload({ table: 'clicks', ...range });
    expect(trigger.replayPayload({ table: 'clicks', from: range.start, to: range.end })).toBe(expected);
    expect(trigger.replayPayload({ table: 'clicks', from: range.start, end: range.end })).toBe(expected);
    expect(trigger.replayPayload({ table: 'clicks', start: range.start, to: range.end })).toBe(expected);
  });

  test('fails replayPayload for a table that is not replayed', () => {
    const { trigger } = withReplay();
    expect(() => trigger.replayPayload({ table: 'views', start: new Date(0), end: new Date(1) })).toThrow(
      problem('replay table must be one of \'clicks\', \'orders\', got "views": add the table to the BatchTrigger\'s replay tables'),
    );
  });

  test('fails replayPayload when end is not after start, naming the bounds as given', () => {
    const { trigger } = withReplay();
    expect(() => trigger.replayPayload({ table: 'clicks', start: new Date(3_600_000), end: new Date(0) })).toThrow(
      problem('replay end must be after start, got start 1970-01-01T01:00:00.000Z and end 1970-01-01T00:00:00.000Z: end is exclusive'),
    );
    expect(() => trigger.replayPayload({ table: 'clicks', from: new Date(3_600_000), to: new Date(0) })).toThrow(
      problem('replay to must be after from, got from 1970-01-01T01:00:00.000Z and to 1970-01-01T00:00:00.000Z: to is exclusive'),
    );
  });

  test('fails replayPayload without start or end, and with a bound given twice', () => {
    const { trigger } = withReplay();
    expect(() => trigger.replayPayload({ table: 'clicks' })).toThrow(
      "BatchTrigger at 'TestStack/Batch': \n  - replayPayload() needs start, got none: e.g. start: new Date('2026-11-27T03:00:00Z')"
      + "\n  - replayPayload() needs end, got none: e.g. end: new Date('2026-11-27T08:00:00Z')",
    );
    expect(() => trigger.replayPayload({ table: 'clicks', start: new Date(0), from: new Date(0), end: new Date(1) })).toThrow(
      problem('replayPayload() takes start or the deprecated from, got both: drop from'),
    );
    expect(() => trigger.replayPayload({ table: 'clicks', start: new Date(0), end: new Date(1), to: new Date(1) })).toThrow(
      problem('replayPayload() takes end or the deprecated to, got both: drop to'),
    );
  });

  test('fails replayPayload without replay', () => {
    const { trigger } = setUp();
    expect(() => trigger.replayPayload({ table: 'clicks', start: new Date(0), end: new Date(1) })).toThrow(
      problem('replayPayload() needs the replay option, got no replay tables: set replay with the lake bucket, layout and tables on the bundled producer'),
    );
  });

  test('has no unacknowledged cdk-nag finding', () => {
    const { stack } = withReplay();
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

describe('your own producer', () => {
  function withOwn(fnFactory: (stack: Stack) => lambda.IFunction) {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const ingest = new StreamIngest(stack, 'Ingest');
    const fn = fnFactory(stack);
    const trigger = new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.hours(1))),
      producer: BatchProducer.fromFunction(fn),
    });
    return { stack, lake, ingest, fn, trigger };
  }
  const own = (stack: Stack) => new lambda.Function(stack, 'Mine', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });

  test('is granted PutRecord, PutRecords and ListShards, data keys, and given STREAM_NAME; no bundled function is defined', () => {
    const { stack, ingest, fn, trigger } = withOwn(own);
    const t = Template.fromStack(stack);
    expect(trigger.producer).toBe(fn);
    expect(trigger.role).toBeUndefined();
    const statements = statementsOf(t, stack, (fn as lambda.Function).role);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards'], Resource: stack.resolve(ingest.stream.streamArn) }),
      expect.objectContaining({ Action: 'kms:GenerateDataKey' }),
    ]));
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { STREAM_NAME: stack.resolve(ingest.stream.streamName) } } });
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
  });

  test('receives the scheduled event itself without objects', () => {
    const { stack } = withOwn(own);
    const rule = only(Template.fromStack(stack), 'AWS::Events::Rule');
    expect(rule.Properties.Targets[0].Input).toBeUndefined();
    expect(rule.Properties.Targets[0].InputTransformer).toBeUndefined();
  });

  test('warns when the function is imported and cannot be given STREAM_NAME', () => {
    const { stack } = withOwn((s) => lambda.Function.fromFunctionArn(s, 'Imported', 'arn:aws:lambda:eu-west-1:123456789012:function:mine'));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('give it the stream\'s name \\(STREAM_NAME\\)'));
  });

  test('fails metrics of the bundled producer', () => {
    const { trigger } = withOwn(own);
    expect(() => trigger.metricRecordsPut()).toThrow(
      problem('metricRecordsPut() needs the bundled producer, got your own (BatchProducer.fromFunction), which publishes no such metric: use your function\'s own metrics, or BatchProducer.bundled()'),
    );
  });
});

describe('metrics', () => {
  test.each([
    ['metricRecordsRead', 'RecordsRead'],
    ['metricRecordsPut', 'RecordsPut'],
    ['metricRecordsRetried', 'RecordsRetried'],
    ['metricRecordsDeadLettered', 'RecordsDeadLettered'],
    ['metricMalformedRecords', 'MalformedRecords'],
    ['metricOversizedRecords', 'OversizedRecords'],
  ] as const)('%s is the Sum of %s over 5 minutes per function', (method, name) => {
    const { stack, trigger } = setUp();
    const m = trigger[method]();
    expect(m.namespace).toBe('cdk-serverless-data-lake/BatchProducer');
    expect(m.metricName).toBe(name);
    expect(m.statistic).toBe('Sum');
    expect(m.period.toSeconds()).toBe(300);
    expect(stack.resolve(m.dimensions)).toEqual({ FunctionName: stack.resolve(trigger.producer.functionName) });
  });

  test('metricDeadLetterQueueMessages is the Maximum of visible messages', () => {
    const { trigger } = setUp();
    const m = trigger.metricDeadLetterQueueMessages();
    expect([m.namespace, m.metricName, m.statistic]).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum']);
  });
});

describe('validation', () => {

  test.each([
    ['rate(0 minutes)', 'source schedule rate must be at least 1, got \'rate(0 minutes)\': e.g. \'rate(1 minute)\''],
    ['rate(5 minute)', 'source schedule rate must use the singular unit for 1 and the plural otherwise, got \'rate(5 minute)\': e.g. \'rate(1 hour)\' or \'rate(2 hours)\''],
    ['rate(5 seconds)', 'source schedule must be rate(<number> minute[s]|hour[s]|day[s]), got \'rate(5 seconds)\': e.g. Schedule.rate(Duration.minutes(5))'],
    ['cron(0 * * * *)', 'source schedule cron must have 6 fields (minutes hours day-of-month month day-of-week year, UTC), got 5 in \'cron(0 * * * *)\': e.g. \'cron(0 * * * ? *)\''],
    ['cron(0 * * * * *)', 'source schedule cron must have \'?\' in exactly one of day-of-month and day-of-week, got \'*\' and \'*\' in \'cron(0 * * * * *)\': e.g. \'cron(0 * * * ? *)\''],
    ['cron(0 * * * ? {})', 'source schedule cron has a field EventBridge does not accept, got \'cron(0 * * * ? {})\': fields hold digits, names, \'*\', \'?\', \',\', \'-\', \'/\', \'L\', \'W\' and \'#\''],
    ['at(2026-11-27T03:00:00)', 'source schedule must be a rate(…) or cron(…) expression, got \'at(2026-11-27T03:00:00)\': use Schedule.rate(…) or Schedule.cron(…)'],
  ])('fails a bad schedule %s', (expression, message) => {
    const window = expression.startsWith('cron') || expression.startsWith('at') ? Duration.hours(1) : undefined;
    expect(() => setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.expression(expression), { objects: { bucket: lake.bucket, prefix: 'landing/' }, window }),
    }))).toThrow(problem(message));
  });

  test.each([
    ['', 'source objects prefix must not be empty, got \'\': the producer would read the whole bucket; use a prefix of its own, e.g. \'landing/\''],
    ['/landing/', 'source objects prefix must not start with \'/\', got \'/landing/\': S3 keys have no leading slash; use \'landing/\''],
    ['landing', 'source objects prefix must end with \'/\', got \'landing\': without it the producer could also read \'landing-other/…\'; use \'landing/\''],
    ['land*/', 'source objects prefix must not contain \'*\' or \'?\', got \'land*/\': they are IAM wildcards and would widen what the producer may read'],
    ['a//b/', 'source objects prefix must not contain \'//\', got \'a//b/\': use \'a/b/\''],
    [`${'a'.repeat(1030)}/`, 'source objects prefix must be at most 1024 characters (an S3 key), got 1031'],
  ])('fails the prefix %j', (prefix, message) => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const bucket = new s3.Bucket(stack, 'Landing', { eventBridgeEnabled: true });
    expect(() => new BatchTrigger(stack, 'Batch', { stream: ingest.stream, source: BatchTriggerSource.s3Objects({ bucket, prefix }) })).toThrow(problem(message));
  });

  test('fails S3 events of a bucket that does not send them to EventBridge', () => {
    expect(() => setUp({}, { eventBridge: false })).toThrow(
      problem('source BatchTriggerSource.s3Objects() needs EventBridge notifications on the bucket, got a bucket without them: set eventBridgeEnabled: true on the bucket (or on the PartitionedParquetLake)'),
    );
  });

  test('fails a schedule with the bundled producer and no objects', () => {
    expect(() => setUp({ source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.hours(1))) })).toThrow(
      problem('source BatchTriggerSource.schedule() with the bundled producer needs objects (the bucket and prefix each run reads), got none: pass { objects: { bucket, prefix } }, or use your own producer (BatchProducer.fromFunction)'),
    );
  });

  test('fails a window without objects (it would have no effect)', () => {
    const fn = (s: Stack) => new lambda.Function(s, 'Mine', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    expect(() => new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.hours(1)), { window: Duration.hours(1) }),
      producer: BatchProducer.fromFunction(fn(stack)),
    })).toThrow(problem('source schedule window selects the objects each run reads, got a window without objects: remove window, or pass objects'));
  });

  test('fails a window shorter than the rate', () => {
    expect(() => setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.rate(Duration.hours(1)), { objects: { bucket: lake.bucket, prefix: 'landing/' }, window: Duration.minutes(30) }),
    }))).toThrow(problem('source schedule window must be at least the time between runs (3600 seconds), got 1800 seconds: objects modified between two windows would never be read; use Duration.seconds(3600) or more'));
  });

  test('fails a window under a minute', () => {
    expect(() => setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.cron({ minute: '0' }), { objects: { bucket: lake.bucket, prefix: 'landing/' }, window: Duration.seconds(30) }),
    }))).toThrow(problem('source schedule window must be a whole number of seconds of at least 60, got 30 seconds: e.g. Duration.hours(1)'));
  });

  test('fails a cron schedule without a window', () => {
    expect(() => setUp((lake) => ({
      source: BatchTriggerSource.schedule(events.Schedule.cron({ minute: '0' }), { objects: { bucket: lake.bucket, prefix: 'landing/' } }),
    }))).toThrow(problem('source schedule window is needed with a cron schedule, got none with \'cron(0 * * * ? *)\': pass the time between runs, e.g. window: Duration.hours(1)'));
  });

  test.each([
    [{ memorySize: Size.mebibytes(64) }, 'producer memorySize must be a whole number of MiB from 128 to 10240, got 64 MiB: e.g. Size.mebibytes(1024)'],
    [{ memorySize: Size.kibibytes(1536 * 1024 + 512) }, 'producer memorySize must be a whole number of MiB from 128 to 10240, got 1536.5 MiB: e.g. Size.mebibytes(1024)'],
    [{ timeout: Duration.seconds(30) }, 'producer timeout must be a whole number of seconds from 60 to 900, got 30 seconds: the producer needs time to stop and continue; e.g. Duration.minutes(15)'],
    [{ timeout: Duration.minutes(16) }, 'producer timeout must be a whole number of seconds from 60 to 900, got 960 seconds: the producer needs time to stop and continue; e.g. Duration.minutes(15)'],
    [{ reservedConcurrentExecutions: 0 }, 'producer reservedConcurrentExecutions must be a whole number of at least 1, got 0: 0 would stop every invocation; e.g. the stream\'s shard count, or leave it unset'],
    [{ maxAttempts: 0 }, 'producer maxAttempts must be a whole number from 1 to 100, got 0: e.g. 10'],
    [{ maxAttempts: 2.5 }, 'producer maxAttempts must be a whole number from 1 to 100, got 2.5: e.g. 10'],
    [{ partitionKeyField: 'a..b' }, 'producer partitionKeyField must be a field name or a dot-separated path of field names, got \'a..b\': e.g. \'user_id\' or \'device.id\''],
  ] as Array<[BundledProducerOptions, string]>)('fails bundled options %j', (options, message) => {
    expect(() => bundled(options)).toThrow(problem(message));
  });

  test('fails a direct-invoke source with nothing to read', () => {
    expect(() => setUp({ source: BatchTriggerSource.directInvoke() })).toThrow(
      problem('source BatchTriggerSource.directInvoke() without objects gives the producer nothing to read, got no objects and no replay: pass objects, or set replay'),
    );
  });

  function replayWith(replay: Partial<NonNullable<BatchTriggerProps['replay']>>, extra: Partial<BatchTriggerProps> = {}) {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const ingest = new StreamIngest(stack, 'Ingest');
    return () => new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix: 'landing/' }),
      replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks'], ...replay },
      ...extra,
    });
  }

  test('fails replay with your own producer', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'F', 'arn:aws:lambda:eu-west-1:123456789012:function:mine');
    expect(replayWith({}, { producer: BatchProducer.fromFunction(fn) })).toThrow(
      problem('replay works with the bundled producer only, got your own producer (BatchProducer.fromFunction), which does not read replay requests: remove replay, or use BatchProducer.bundled()'),
    );
  });

  test('fails replay without tables', () => {
    expect(replayWith({ tables: [] })).toThrow(problem('replay tables must name at least one table, got none: e.g. [\'clicks\']'));
  });

  test('fails a replay table Athena would not accept', () => {
    expect(replayWith({ tables: ['Clicks'] })).toThrow(problem('replay table must be 1 to 255 lowercase letters, digits or underscores (what Athena accepts), got \'Clicks\': use e.g. \'clicks\''));
  });

  test('fails a repeated replay table', () => {
    expect(replayWith({ tables: ['clicks', 'clicks'] })).toThrow(problem('replay tables must not repeat a table, got clicks, clicks: name each once'));
  });

  test('fails an unknown time zone', () => {
    expect(replayWith({ timeZone: TimeZone.of('Mars/Olympus') })).toThrow(
      problem('replay timeZone must be an IANA time zone name, got \'Mars/Olympus\': use the delivery stream\'s timeZone, e.g. TimeZone.EUROPE_LONDON'),
    );
  });

  test.each(['raw/', 'errors/clicks/', 'clicks/'])('fails a landing prefix under the lake\'s %s (a loop)', (prefix) => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake', { eventBridgeEnabled: true });
    const ingest = new StreamIngest(stack, 'Ingest');
    const clash = prefix === 'errors/clicks/' ? 'errors/' : prefix;
    expect(() => new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.s3Objects({ bucket: lake.bucket, prefix }),
      replay: { bucket: lake.bucket, layout: lake.layout, tables: ['clicks'] },
    })).toThrow(problem(
      `source objects prefix '${prefix}' overlaps the lake's '${clash}' (raw backups, error output or table data): what the producer puts would come back as new objects to read; land batch files under a prefix of their own, e.g. 'landing/', and use replay for backups and errors`,
    ));
  });

  test('reports several problems at once', () => {
    expect(() => bundled({ maxAttempts: 0, reservedConcurrentExecutions: 0 })).toThrow(/\n {2}- producer reservedConcurrentExecutions[\s\S]*\n {2}- producer maxAttempts/);
  });

  test('skips unresolved tokens', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const bucket = new s3.Bucket(stack, 'Landing', { eventBridgeEnabled: true });
    expect(() => new BatchTrigger(stack, 'Batch', {
      stream: ingest.stream,
      source: BatchTriggerSource.s3Objects({ bucket, prefix: bucket.bucketName }),
    })).not.toThrow();
  });
});

void kinesis;
