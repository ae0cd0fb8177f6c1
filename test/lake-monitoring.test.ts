import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, test } from 'vitest';
import {
  AthenaQueryLayer,
  BatchTrigger,
  BatchTriggerSource,
  ColumnType,
  CrawledCatalog,
  LakeAlarmActions,
  LakeMonitoring,
  LakeMonitoringProps,
  NewlineStrategy,
  NewlineTransformFirehose,
  PartitionDiscovery,
  PartitionedParquetLake,
  StreamIngest,
  TableSchema,
} from '../src';
import { awsSolutionsFindings } from './support/nag';
import { newStack } from './support/stack';

const SCHEMA = new TableSchema([{ name: 'event_id', type: ColumnType.STRING }]);

interface LakeOptions {
  readonly schemaFirst?: boolean;
  readonly discovery?: PartitionDiscovery;
  readonly retention?: Duration;
  readonly bufferingInterval?: Duration;
  readonly rawBackup?: boolean;
  readonly newline?: NewlineStrategy;
}

function pipeline(stack: Stack, name: string, o: LakeOptions = {}, lake?: PartitionedParquetLake) {
  const lk = lake ?? new PartitionedParquetLake(stack, `${name}Lake`, { eventBridgeEnabled: true });
  const ingest = new StreamIngest(stack, `${name}Ingest`, { retentionPeriod: o.retention });
  const schemaFirst = o.schemaFirst ?? true;
  const catalog = new CrawledCatalog(stack, `${name}Catalog`, {
    bucket: lk.bucket,
    layout: lk.layout,
    tableName: name.toLowerCase(),
    schema: schemaFirst ? SCHEMA : undefined,
    partitionDiscovery: o.discovery,
  });
  const delivery = new NewlineTransformFirehose(stack, `${name}Delivery`, {
    stream: ingest.stream,
    bucket: lk.bucket,
    layout: lk.layout,
    tableName: name.toLowerCase(),
    table: schemaFirst ? catalog.table : undefined,
    bufferingInterval: o.bufferingInterval,
    rawBackup: o.rawBackup,
    newline: o.newline,
  });
  return { lake: lk, ingest, catalog, delivery };
}

function monitored(o: LakeOptions = {}, props: Partial<LakeMonitoringProps> = {}) {
  const stack = newStack();
  const p = pipeline(stack, 'Clicks', o);
  const monitoring = new LakeMonitoring(stack, 'Monitoring', { ingest: p.ingest, delivery: p.delivery, catalog: p.catalog, ...props });
  return { stack, ...p, monitoring, t: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, any> };

/** The alarm's metric-math expression and the metrics behind each `mN`. */
function alarmOf(stack: Stack, t: Template, alarm: cloudwatch.IAlarm) {
  const id = stack.getLogicalId((alarm as cloudwatch.Alarm).node.defaultChild as never);
  const resource = t.toJSON().Resources[id] as Resource;
  const queries = resource.Properties.Metrics as Array<Record<string, any>>;
  const expression = queries.find((q) => q.Expression)!;
  const metrics = Object.fromEntries(
    queries
      .filter((q) => q.MetricStat)
      .map((q) => {
        const stat = q.MetricStat;
        return [q.Id, { namespace: stat.Metric.Namespace, name: stat.Metric.MetricName, stat: stat.Stat, period: stat.Period }];
      }),
  );
  return { id, props: resource.Properties, expression: expression.Expression as string, metrics };
}

describe('a schema-first Parquet lake with projection, every default', () => {
  const { stack, t, monitoring } = monitored();

  test('three stage alarms and the composite; no catalog alarm (projection runs nothing), no Lambda alarm (Parquet has no processor)', () => {
    expect(Object.keys(monitoring.stageAlarms)).toEqual(['ingest', 'delivery', 'deliveryErrors']);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    expect(monitoring.alarmTopic).toBeUndefined();
    expect(monitoring.lakeName).toBe('clicks');
  });

  test('ingest: iterator age above a quarter of the 168-hour retention, or any throttled write, or any failed entry; 2 of 3 five-minute periods', () => {
    const a = alarmOf(stack, t, monitoring.stageAlarms.ingest);
    expect(a.expression).toBe('(FILL(m0, 0) > 151200000) + (FILL(m1, 0) > 0) + (FILL(m2, 0) > 0)');
    expect(a.metrics).toEqual({
      m0: { namespace: 'AWS/Kinesis', name: 'GetRecords.IteratorAgeMilliseconds', stat: 'Maximum', period: 300 },
      m1: { namespace: 'AWS/Kinesis', name: 'WriteProvisionedThroughputExceeded', stat: 'Sum', period: 300 },
      m2: { namespace: 'AWS/Kinesis', name: 'PutRecords.FailedRecords', stat: 'Sum', period: 300 },
    });
    expect(a.props).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(a.props.AlarmDescription).toBe(
      'clicks ingest (Kinesis stream): records wait too long in the stream, or producers are throttled or lose entries. Fires when any condition holds in 2 of 3 5-minute periods: ' +
        'iterator age (ms) [AWS/Kinesis GetRecords.IteratorAgeMilliseconds, Maximum, 5 min] > 151200000 (a quarter of the 7 days retention); ' +
        'throttled writes [AWS/Kinesis WriteProvisionedThroughputExceeded, Sum, 5 min] > 0 (any); failed PutRecords entries [AWS/Kinesis PutRecords.FailedRecords, Sum, 5 min] > 0 (any). ' +
        'Likely causes: the delivery stream stopped reading (check the delivery alarm), too few shards for the write rate, a hot partition key. ' +
        'What to do: if the iterator age grows, fix the consumer before 7 days passes or records expire; if writes are throttled, add shards (ShardCalculator) or spread partition keys; producers must retry failed entries.',
    );
  });

  test('delivery: freshness above 2 x 300 s + 300 s, a failed put, or backup freshness above 900 s', () => {
    const a = alarmOf(stack, t, monitoring.stageAlarms.delivery);
    expect(a.expression).toBe('(FILL(m0, 0) > 900) + (FILL(m1, 1) < 1) + (FILL(m2, 0) > 900)');
    expect(a.metrics).toEqual({
      m0: { namespace: 'AWS/Firehose', name: 'DeliveryToS3.DataFreshness', stat: 'Maximum', period: 300 },
      m1: { namespace: 'AWS/Firehose', name: 'DeliveryToS3.Success', stat: 'Average', period: 300 },
      m2: { namespace: 'AWS/Firehose', name: 'BackupToS3.DataFreshness', stat: 'Maximum', period: 300 },
    });
    expect(a.props).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(a.props.AlarmDescription).toContain('data freshness (s) [AWS/Firehose DeliveryToS3.DataFreshness, Maximum, 5 min] > 900 (2 x the 300 s buffer + 300 s)');
    expect(a.props.AlarmDescription).toContain('backup freshness (s) [AWS/Firehose BackupToS3.DataFreshness, Maximum, 5 min] > 900 (2 x the 300 s backup buffer + 300 s)');
    expect(a.props.AlarmDescription).toContain('What to do: read the delivery stream\'s error logs');
  });

  test('records to errors/: any Parquet conversion failure, in one period', () => {
    const a = alarmOf(stack, t, monitoring.stageAlarms.deliveryErrors);
    expect(a.expression).toBe('(FILL(m0, 0) > 0)');
    expect(a.metrics).toEqual({ m0: { namespace: 'AWS/Firehose', name: 'FailedConversion.Records', stat: 'Sum', period: 300 } });
    expect(a.props).toMatchObject({ EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(a.props.AlarmDescription).toContain('records are going to errors/clicks/ instead of the table');
    expect(a.props.AlarmDescription).toContain('then replay the records with the batch trigger');
  });

  test('the stage metrics are the delivery stream\'s and the stream\'s own', () => {
    const ingest = alarmOf(stack, t, monitoring.stageAlarms.ingest).props.Metrics.find((q: any) => q.MetricStat);
    expect(ingest.MetricStat.Metric.Dimensions).toEqual([{ Name: 'StreamName', Value: { Ref: expect.stringMatching(/^ClicksIngest/) } }]);
    const delivery = alarmOf(stack, t, monitoring.stageAlarms.delivery).props.Metrics.find((q: any) => q.MetricStat);
    expect(delivery.MetricStat.Metric.Dimensions).toEqual([{ Name: 'DeliveryStreamName', Value: { Ref: expect.stringMatching(/^ClicksDelivery/) } }]);
  });

  test('the composite alarm: any stage alarm in ALARM, no actions by default', () => {
    const [composite] = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'));
    const ids = ['ingest', 'delivery', 'deliveryErrors'].map((s) => alarmOf(stack, t, monitoring.stageAlarms[s]).id);
    expect(composite.Properties.AlarmRule).toEqual({
      'Fn::Join': ['', ids.flatMap((id, i) => [i === 0 ? '(ALARM("' : ' OR ALARM("', { 'Fn::GetAtt': [id, 'Arn'] }, '")']).concat([')']).reduce(mergeStrings, [])],
    });
    expect(composite.Properties.AlarmActions).toBeUndefined();
    expect(composite.Properties.OKActions).toBeUndefined();
    expect(composite.Properties.AlarmDescription).toContain('The lake clicks is not healthy: at least one of its stage alarms is in ALARM (ingest, delivery, deliveryErrors)');
  });

  test('every description fits CloudWatch\'s 1024 characters unclipped', () => {
    for (const r of [...Object.values(t.findResources('AWS::CloudWatch::Alarm')), ...Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'))]) {
      expect(r.Properties.AlarmDescription.length).toBeLessThanOrEqual(1024);
      expect(r.Properties.AlarmDescription).not.toContain('…');
    }
  });

  test('the dashboard is valid JSON naming only this stack\'s alarms and metrics', () => {
    const body = dashboardBody(t);
    const alarms = body.widgets.flatMap((w: any) => w.properties.alarms ?? []);
    const alarmIds = Object.keys({ ...t.findResources('AWS::CloudWatch::Alarm'), ...t.findResources('AWS::CloudWatch::CompositeAlarm') });
    expect(alarms.length).toBe(4);
    for (const a of alarms) expect(alarmIds).toContain(a.replace(/^arn-of:/, ''));
    const resources = Object.keys(t.toJSON().Resources);
    const metrics = body.widgets.flatMap((w: any) => w.properties.metrics ?? []);
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) {
      const dims = m.filter((x: unknown) => typeof x === 'string' && (x as string).startsWith('ref:'));
      for (const d of dims) expect(resources).toContain(d.slice(4));
    }
    expect(body.widgets[0].properties.markdown).toContain('# Lake clicks');
  });

  test('cdk-nag: no unacknowledged finding', () => {
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});

function mergeStrings(acc: unknown[], part: unknown): unknown[] {
  if (typeof part === 'string' && typeof acc[acc.length - 1] === 'string') acc[acc.length - 1] = `${acc[acc.length - 1]}${part}`;
  else acc.push(part);
  return acc;
}

/** The dashboard body with Refs as `ref:<id>` and alarm ARNs as `arn-of:<id>`, parsed. */
function dashboardBody(t: Template): any {
  const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard.Properties.DashboardBody;
  const text = (body['Fn::Join'][1] as unknown[])
    .map((p) => {
      if (typeof p === 'string') return p;
      const o = p as Record<string, any>;
      if (o.Ref) return o.Ref.startsWith('AWS::') ? o.Ref : `ref:${o.Ref}`;
      if (o['Fn::GetAtt']) return `arn-of:${o['Fn::GetAtt'][0]}`;
      throw new Error(`unexpected ${JSON.stringify(o)}`);
    })
    .join('');
  return JSON.parse(text);
}

describe('derived thresholds and choices', () => {
  test('iterator age: a quarter of a 24-hour retention is 6 hours', () => {
    const { stack, t, monitoring } = monitored({ retention: Duration.hours(24) });
    const a = alarmOf(stack, t, monitoring.stageAlarms.ingest);
    expect(a.expression).toContain('(FILL(m0, 0) > 21600000)');
    expect(a.props.AlarmDescription).toContain('> 21600000 (a quarter of the 1 day retention)');
  });

  test('iteratorAgeThreshold', () => {
    const { stack, t, monitoring } = monitored({}, { iteratorAgeThreshold: Duration.hours(1) });
    const a = alarmOf(stack, t, monitoring.stageAlarms.ingest);
    expect(a.expression).toContain('(FILL(m0, 0) > 3600000)');
    expect(a.props.AlarmDescription).toContain('> 3600000 (as configured)');
  });

  test('freshness: a 60-second buffer gives 420 s', () => {
    const { stack, t, monitoring } = monitored({ bufferingInterval: Duration.seconds(60) });
    expect(alarmOf(stack, t, monitoring.stageAlarms.delivery).expression).toMatch(/^\(FILL\(m0, 0\) > 420\)/);
  });

  test('deliveryFreshnessThreshold', () => {
    const { stack, t, monitoring } = monitored({}, { deliveryFreshnessThreshold: Duration.minutes(30) });
    const a = alarmOf(stack, t, monitoring.stageAlarms.delivery);
    expect(a.expression).toMatch(/^\(FILL\(m0, 0\) > 1800\)/);
    expect(a.props.AlarmDescription).toContain('> 1800 (as configured)');
  });

  test.each([true, false])('rawBackup %s: backup freshness watched only with a backup', (rawBackup) => {
    const { stack, t, monitoring } = monitored({ rawBackup });
    const a = alarmOf(stack, t, monitoring.stageAlarms.delivery);
    expect(Object.values(a.metrics).some((m) => (m as { name: string }).name === 'BackupToS3.DataFreshness')).toBe(rawBackup);
  });

  test('JSON lines with the bundled newline Lambda: its buffer in the freshness, processor success watched, and the function alarmed', () => {
    const { stack, t, monitoring, delivery } = monitored({ schemaFirst: false });
    const d = alarmOf(stack, t, monitoring.stageAlarms.delivery);
    expect(d.expression).toBe('(FILL(m0, 0) > 960) + (FILL(m1, 1) < 1) + (FILL(m2, 0) > 900) + (FILL(m3, 1) < 1)');
    expect(d.metrics.m3).toEqual({ namespace: 'AWS/Firehose', name: 'ExecuteProcessing.Success', stat: 'Average', period: 300 });
    expect(d.props.AlarmDescription).toContain('(2 x the 300 s buffer + the 60 s processor buffer + 300 s)');
    const errors = alarmOf(stack, t, monitoring.stageAlarms.deliveryErrors);
    expect(errors.expression).toBe('(FILL(m0, 0) > 0)');
    const fnKey = `lambda:${delivery.processorFunction!.node.path}`;
    const fn = alarmOf(stack, t, monitoring.stageAlarms[fnKey]);
    expect(fn.expression).toBe('(FILL(m0, 0) > 0) + (FILL(m1, 0) > 0) + (FILL(m2, 0) > 48000)');
    expect(fn.metrics).toEqual({
      m0: { namespace: 'AWS/Lambda', name: 'Errors', stat: 'Sum', period: 300 },
      m1: { namespace: 'AWS/Lambda', name: 'Throttles', stat: 'Sum', period: 300 },
      m2: { namespace: 'AWS/Lambda', name: 'Duration', stat: 'p99', period: 300 },
    });
    expect(fn.props.AlarmDescription).toContain('> 48000 (80% of the 1 minute timeout)');
  });

  test('NewlineStrategy.appendDelimiter(): no Lambda, no processor condition', () => {
    const { stack, t, monitoring } = monitored({ schemaFirst: false, newline: NewlineStrategy.appendDelimiter() });
    expect(Object.keys(monitoring.stageAlarms)).toEqual(['ingest', 'delivery', 'deliveryErrors', 'catalog']);
    expect(alarmOf(stack, t, monitoring.stageAlarms.delivery).expression).toBe('(FILL(m0, 0) > 900) + (FILL(m1, 1) < 1) + (FILL(m2, 0) > 900)');
    // without conversion or a processor, records reach errors/ only when S3 puts fail
    expect(alarmOf(stack, t, monitoring.stageAlarms.deliveryErrors).metrics).toEqual({
      s: { namespace: 'AWS/Firehose', name: 'DeliveryToS3.Success', stat: 'Average', period: 300 },
    });
  });

  test('two lakes sharing the bundled newline Lambda: one alarm on it, in both composites', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const a = pipeline(stack, 'Alpha', { schemaFirst: false }, lake);
    const b = pipeline(stack, 'Beta', { schemaFirst: false }, lake);
    const ma = new LakeMonitoring(stack, 'MonA', { ingest: a.ingest, delivery: a.delivery });
    const mb = new LakeMonitoring(stack, 'MonB', { ingest: b.ingest, delivery: b.delivery });
    expect(a.delivery.processorFunction).toBe(b.delivery.processorFunction);
    const key = `lambda:${a.delivery.processorFunction!.node.path}`;
    expect(ma.stageAlarms[key]).toBe(mb.stageAlarms[key]);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    const fnAlarm = stack.getLogicalId((ma.stageAlarms[key] as cloudwatch.Alarm).node.defaultChild as never);
    for (const c of Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'))) expect(JSON.stringify(c.Properties.AlarmRule)).toContain(fnAlarm);
  });

  test('a crawler: its failures from Glue Crawler State Change events', () => {
    const { stack, t, monitoring, catalog } = monitored({ schemaFirst: false });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.glue'], 'detail-type': ['Glue Crawler State Change'], 'detail': { crawlerName: [{ Ref: stack.getLogicalId(catalog.crawler!) }], state: ['Failed'] } },
    });
    const a = alarmOf(stack, t, monitoring.stageAlarms.catalog);
    expect(a.expression).toBe('(FILL(m0, 0) > 0)');
    expect(a.metrics).toEqual({ m0: { namespace: 'AWS/Events', name: 'TriggeredRules', stat: 'Sum', period: 300 } });
    expect(a.props).toMatchObject({ EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(a.props.AlarmDescription).toContain('the crawler failed');
  });

  test('event-driven registration: unparsable objects, Glue refusals, dead letters; and the registrar alarmed', () => {
    const { stack, t, monitoring, catalog } = monitored({ discovery: PartitionDiscovery.eventDriven() });
    const a = alarmOf(stack, t, monitoring.stageAlarms.catalog);
    expect(a.expression).toBe('(FILL(m0, 0) > 0) + (FILL(m1, 0) > 0) + (FILL(m2, 0) > 0)');
    expect(a.metrics).toEqual({
      m0: { namespace: 'cdk-serverless-data-lake/PartitionRegistration', name: 'UnparsableObjects', stat: 'Sum', period: 300 },
      m1: { namespace: 'cdk-serverless-data-lake/PartitionRegistration', name: 'RegistrationFailures', stat: 'Sum', period: 300 },
      m2: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', period: 300 },
    });
    expect(monitoring.stageAlarms[`lambda:${catalog.registrationFunction!.node.path}`]).toBeDefined();
  });

  test('a query layer adds a dashboard row and no alarm', () => {
    const stack = newStack();
    const p = pipeline(stack, 'Clicks');
    const queryLayer = new AthenaQueryLayer(stack, 'Queries', { tables: [p.catalog] });
    new LakeMonitoring(stack, 'Monitoring', { ingest: p.ingest, delivery: p.delivery, catalog: p.catalog, queryLayer });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    const body = JSON.stringify(dashboardBody(t));
    expect(body).toContain('"AWS/Athena","ProcessedBytes","WorkGroup"');
    expect(body).toContain(`Workgroup ${queryLayer.workGroupName}`);
  });

  test('a batch trigger: its dead-letter queue and the bundled producer\'s dead-lettered, oversized and malformed records; the producer alarmed', () => {
    const stack = newStack();
    const p = pipeline(stack, 'Clicks');
    const batchTrigger = new BatchTrigger(stack, 'Batch', { stream: p.ingest.stream, source: BatchTriggerSource.directInvoke(), replay: { bucket: p.lake.bucket, layout: p.lake.layout, tables: ['clicks'] } });
    const m = new LakeMonitoring(stack, 'Monitoring', { ingest: p.ingest, batchTrigger, lakeName: 'clicks' });
    const t = Template.fromStack(stack);
    const a = alarmOf(stack, t, m.stageAlarms.batch);
    expect(a.expression).toBe('(FILL(m0, 0) > 0) + (FILL(m1, 0) > 0) + (FILL(m2, 0) > 0) + (FILL(m3, 0) > 0)');
    expect(a.metrics).toEqual({
      m0: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', period: 300 },
      m1: { namespace: expect.any(String), name: 'RecordsDeadLettered', stat: 'Sum', period: 300 },
      m2: { namespace: expect.any(String), name: 'OversizedRecords', stat: 'Sum', period: 300 },
      m3: { namespace: expect.any(String), name: 'MalformedRecords', stat: 'Sum', period: 300 },
    });
    expect(a.props).toMatchObject({ EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(a.props.AlarmDescription).toContain('What to do: read the dead-letter messages');
    expect(m.stageAlarms[`lambda:${batchTrigger.producer.node.path}`]).toBeDefined();
  });

  test('a catalog alone is watched with lakeName from its table', () => {
    const stack = newStack();
    const p = pipeline(stack, 'Clicks', { discovery: PartitionDiscovery.crawler() });
    const m = new LakeMonitoring(stack, 'Monitoring', { catalog: p.catalog });
    expect(Object.keys(m.stageAlarms)).toEqual(['catalog']);
    expect(m.lakeName).toBe('clicks');
  });
});

describe('alarm actions and the dashboard', () => {
  test('LakeAlarmActions.newTopic(): a KMS-encrypted topic CloudWatch may publish to, on ALARM and OK', () => {
    const { stack, t, monitoring } = monitored({}, { alarmActions: LakeAlarmActions.newTopic() });
    const topicId = stack.getLogicalId(monitoring.alarmTopic!.node.defaultChild as never);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), DisplayName: 'Alarms of the lake clicks' });
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  test('cdk-nag: no unacknowledged finding with LakeAlarmActions.newTopic()', () => {
    const { stack } = monitored({}, { alarmActions: LakeAlarmActions.newTopic() });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('LakeAlarmActions.of(...): your actions on ALARM and OK, no topic', () => {
    const stack = newStack();
    const p = pipeline(stack, 'Clicks');
    const topic = new sns.Topic(stack, 'OnCall', { enforceSSL: true });
    new LakeMonitoring(stack, 'Monitoring', { ingest: p.ingest, delivery: p.delivery, alarmActions: LakeAlarmActions.of(new actions.SnsAction(topic)) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as never) }] });
    t.resourceCountIs('AWS::SNS::Topic', 1);
  });

  test.each([true, false])('dashboard %s', (dashboard) => {
    const { t, monitoring } = monitored({}, { dashboard });
    t.resourceCountIs('AWS::CloudWatch::Dashboard', dashboard ? 1 : 0);
    expect(monitoring.dashboard !== undefined).toBe(dashboard);
  });
});

describe('validation', () => {
  test('nothing to watch', () => {
    const stack = newStack();
    expect(() => new LakeMonitoring(stack, 'Monitoring', {})).toThrow(
      "LakeMonitoring at 'TestStack/Monitoring': needs at least one of ingest, delivery, catalog or batchTrigger to watch, got none: pass the pipeline constructs of the lake",
    );
  });

  test('a stream alone needs lakeName', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    expect(() => new LakeMonitoring(stack, 'Monitoring', { ingest })).toThrow(
      "LakeMonitoring at 'TestStack/Monitoring': lakeName is needed when neither delivery nor catalog names the table, got none: set lakeName, e.g. the table name",
    );
    expect(new LakeMonitoring(stack, 'Named', { ingest, lakeName: 'clicks' }).lakeName).toBe('clicks');
  });

  test('thresholds without their stage', () => {
    const stack = newStack();
    const p = pipeline(stack, 'Clicks', { discovery: PartitionDiscovery.crawler() });
    expect(() => new LakeMonitoring(stack, 'Monitoring', { catalog: p.catalog, iteratorAgeThreshold: Duration.hours(1), deliveryFreshnessThreshold: Duration.minutes(20) })).toThrow(
      "LakeMonitoring at 'TestStack/Monitoring': \n  - iteratorAgeThreshold applies to the ingest alarm, got it without ingest: pass ingest, or remove iteratorAgeThreshold\n  - deliveryFreshnessThreshold applies to the delivery alarm, got it without delivery: pass delivery, or remove deliveryFreshnessThreshold",
    );
  });

  test('an iterator age threshold at or beyond the retention', () => {
    expect(() => monitored({ retention: Duration.hours(24) }, { iteratorAgeThreshold: Duration.hours(24) })).toThrow(
      "LakeMonitoring at 'TestStack/Monitoring': iteratorAgeThreshold must be less than the stream's retention (1 day), got 1 day: records expire before it fires; use e.g. 6 hours",
    );
  });

  test('a stream of yours needs iteratorAgeThreshold', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', { stream: kinesis.Stream.fromStreamArn(stack, 'S', 'arn:aws:kinesis:eu-west-1:123456789012:stream/x') });
    expect(() => new LakeMonitoring(stack, 'Monitoring', { ingest, lakeName: 'x' })).toThrow(
      "LakeMonitoring at 'TestStack/Monitoring': iteratorAgeThreshold is needed for a stream of yours whose retention this library does not know: set it, e.g. to a quarter of the retention",
    );
    expect(() => new LakeMonitoring(stack, 'Given', { ingest, lakeName: 'x', iteratorAgeThreshold: Duration.hours(2) })).not.toThrow();
  });
});

describe('resource budget', () => {
  test('a schema-first lake\'s monitoring costs 5 resources (3 stage alarms, the composite, the dashboard), and 30 monitored lakes fit in one stack', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    for (let i = 0; i < 30; i++) {
      const p = pipeline(stack, `L${i}`, {}, lake);
      new LakeMonitoring(stack, `M${i}`, { ingest: p.ingest, delivery: p.delivery, catalog: p.catalog });
    }
    const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
    const monitoringTypes = ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm', 'AWS::CloudWatch::Dashboard'];
    expect(resources.filter((r) => monitoringTypes.includes(r.Type)).length).toBe(30 * 5);
    expect(resources.length).toBeLessThanOrEqual(500);
  });
});
