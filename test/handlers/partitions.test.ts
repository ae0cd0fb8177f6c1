import { createHash } from 'node:crypto';
import {
  AccessDeniedException,
  BatchCreatePartitionCommand,
  BatchCreatePartitionCommandInput,
  EntityNotFoundException,
  GetTableCommand,
  GetTableCommandOutput,
  GlueClient,
  PartitionError,
} from '@aws-sdk/client-glue';
import type { S3Event, S3EventRecord, S3ObjectCreatedNotificationEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  MAX_PARTITIONS_PER_BATCH,
  objectKeysFromEvent,
  parsePartition,
  partitionLocation,
  RegistrarConfig,
  RegistrarEvent,
  registrarConfigFromEnvironment,
  registerPartitions,
  resetTableCache,
  UnparsableObjectsError,
} from '../../src/crawled-catalog/partitions';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const BUCKET = 'lake-bucket-111122223333';
const FILE = 'lake-stream-1-2026-11-27-05-12-33-2b1c9f1e-0d7b-4b7e-9a57-3c1b5e7d2a10.parquet';

const HOURLY: RegistrarConfig = {
  databaseName: 'lake_db',
  tableName: 'events',
  bucketName: BUCKET,
  dataPrefix: 'events/',
  partitionKeys: ['year', 'month', 'day', 'hour'],
};
const DAILY: RegistrarConfig = { ...HOURLY, partitionKeys: ['year', 'month', 'day'] };
const MONTHLY: RegistrarConfig = { ...HOURLY, partitionKeys: ['year', 'month'] };

/** The key Firehose writes for these partition values under the layout of `config`. */
function partitionKeyFor(config: RegistrarConfig, values: string[], file = FILE): string {
  return `${config.dataPrefix}${config.partitionKeys.map((k, i) => `${k}=${values[i]}/`).join('')}${file}`;
}

/** How S3 event notifications write a key: URL-encoded per path segment, spaces as '+'. */
function s3NotificationKey(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/%20/g, '+')).join('/');
}

const STORAGE_DESCRIPTOR = {
  Columns: [
    { Name: 'event_id', Type: 'string' },
    { Name: 'amount', Type: 'decimal(12,2)' },
    { Name: 'occurred_at', Type: 'timestamp' },
  ],
  Location: `s3://${BUCKET}/events/`,
  AdditionalLocations: [`s3://${BUCKET}/events-archive/`],
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  Compressed: false,
  NumberOfBuckets: -1,
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
  Parameters: { 'parquet.compression': 'SNAPPY' },
  StoredAsSubDirectories: false,
};

/** What every partition inherits from the table: its descriptor without its locations. */
const INHERITED = {
  Columns: STORAGE_DESCRIPTOR.Columns,
  InputFormat: STORAGE_DESCRIPTOR.InputFormat,
  OutputFormat: STORAGE_DESCRIPTOR.OutputFormat,
  Compressed: false,
  NumberOfBuckets: -1,
  SerdeInfo: STORAGE_DESCRIPTOR.SerdeInfo,
  Parameters: STORAGE_DESCRIPTOR.Parameters,
  StoredAsSubDirectories: false,
};

function tableResponse(partitionKeys = HOURLY.partitionKeys): GetTableCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    Table: {
      Name: 'events',
      DatabaseName: 'lake_db',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: partitionKeys.map((Name) => ({ Name, Type: 'string' })),
      StorageDescriptor: STORAGE_DESCRIPTOR,
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
    },
  };
}

/** An EventBridge event from S3, as documented in the S3 user guide ("EventBridge event message structure"). */
function eventBridgeObjectCreated(key: string, bucket = BUCKET): S3ObjectCreatedNotificationEvent {
  return {
    'version': '0',
    'id': '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    'source': 'aws.s3',
    'account': ACCOUNT,
    'time': '2026-11-27T05:12:34Z',
    'region': REGION,
    'resources': [`arn:aws:s3:::${bucket}`],
    'detail': {
      'version': '0',
      'bucket': { name: bucket },
      'object': {
        'key': key,
        'size': 5576,
        'etag': 'b1946ac92492d2347c6235b4d2611184',
        'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        'sequencer': '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      'requester': ACCOUNT,
      'source-ip-address': '10.0.138.15',
      'reason': 'PutObject',
    },
  };
}

/** One record of an S3 event notification (event structure version 2.1). The key must be URL-encoded already. */
function s3Record(encodedKey: string, bucket = BUCKET, eventName = 'ObjectCreated:Put'): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: '2026-11-27T05:12:34.123Z',
    eventName,
    userIdentity: { principalId: 'AWS:AROAEXAMPLEROLEID:firehose' },
    requestParameters: { sourceIPAddress: '10.0.138.15' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'partition-registrar',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodedKey, size: 5576, eTag: 'b1946ac92492d2347c6235b4d2611184', versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

function s3Notification(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}

/** The body S3 sends to a queue when a notification configuration is saved. */
const S3_TEST_EVENT_BODY = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-11-27T05:00:00.000Z',
  Bucket: BUCKET,
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
});

function sqsRecord(body: string, n: number): SQSRecord {
  return {
    messageId: `059f36b4-87a3-44ab-83d2-66197548${String(n).padStart(4, '0')}`,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${n}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795756354123',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1795756354130',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:partition-registrar-queue`,
    awsRegion: REGION,
  };
}

function sqsEvent(...bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, i) => sqsRecord(body, i)) };
}

/** Values of `count` distinct hourly partitions, starting at 2026-01-01 00h. */
function hourlyValues(count: number): string[][] {
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return [String(t.getUTCFullYear()), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())];
  });
}

const objectsFor = (values: string[][], config = HOURLY) =>
  values.map((v) => ({ bucket: config.bucketName, key: partitionKeyFor(config, v) }));

// ---------------------------------------------------------------------------------------------
// Glue mock and log capture
// ---------------------------------------------------------------------------------------------

const glueMock = mockClient(GlueClient);
const glue = new GlueClient({ region: REGION });
let lines: string[];
const log = (line: string) => {
  lines.push(line);
};
let metricLines: string[];
const emit = (line: string) => {
  metricLines.push(line);
};
/** The counts of the one metrics line an invocation writes. */
const metricCounts = () => {
  expect(metricLines).toHaveLength(1);
  const { _aws: _meta, Database: _db, Table: _table, ...counts } = JSON.parse(metricLines[0]);
  return counts;
};
const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const batchInputs = (): BatchCreatePartitionCommandInput[] =>
  glueMock.commandCalls(BatchCreatePartitionCommand).map((call) => call.args[0].input);

beforeEach(() => {
  glueMock.reset();
  resetTableCache();
  lines = [];
  metricLines = [];
  glueMock.on(GetTableCommand).resolves(tableResponse());
  glueMock.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
});

// ---------------------------------------------------------------------------------------------
// parsePartition / partitionLocation
// ---------------------------------------------------------------------------------------------

describe('parsePartition', () => {
  test('GIVEN an hourly layout WHEN a Firehose object key is parsed THEN it gives the four values in layout order', () => {
    expect(parsePartition(HOURLY, `events/year=2026/month=11/day=27/hour=05/${FILE}`)).toEqual(['2026', '11', '27', '05']);
  });

  test('GIVEN a daily layout WHEN a key with year, month and day is parsed THEN it gives three values', () => {
    expect(parsePartition(DAILY, 'events/year=2026/month=11/day=27/part-0001.json.gz')).toEqual(['2026', '11', '27']);
  });

  test('GIVEN a monthly layout WHEN a key with year and month is parsed THEN it gives two values', () => {
    expect(parsePartition(MONTHLY, 'events/year=2026/month=01/part-0001.parquet')).toEqual(['2026', '01']);
  });

  test('GIVEN the table at the bucket root WHEN a key without prefix is parsed THEN it gives the values', () => {
    expect(parsePartition({ ...DAILY, dataPrefix: '' }, 'year=2026/month=11/day=27/f.parquet')).toEqual(['2026', '11', '27']);
  });

  test('GIVEN values with spaces, plus signs and unicode WHEN parsed THEN they are kept verbatim', () => {
    expect(parsePartition(MONTHLY, 'events/year=2026 Q4/month=11+ü/f.parquet')).toEqual(['2026 Q4', '11+ü']);
  });

  test.each([
    ['another prefix', `raw/year=2026/month=11/day=27/hour=05/${FILE}`],
    ['a prefix that only starts like the data prefix', `events-archive/year=2026/month=11/day=27/hour=05/${FILE}`],
    ['the Firehose error prefix', `errors/format-conversion-failed/2026/11/27/05/${FILE}`],
    ['a missing key', `events/year=2026/month=11/day=27/${FILE}`],
    ['an extra key', `events/year=2026/month=11/day=27/hour=05/minute=12/${FILE}`],
    ['reordered keys', `events/month=11/year=2026/day=27/hour=05/${FILE}`],
    ['a renamed key', `events/yr=2026/month=11/day=27/hour=05/${FILE}`],
    ['a key in other case', `events/Year=2026/month=11/day=27/hour=05/${FILE}`],
    ['a segment without a key', `events/2026/11/27/05/${FILE}`],
    ['an empty value', `events/year=2026/month=/day=27/hour=05/${FILE}`],
    ['a value containing =', `events/year=2026/month=11=12/day=27/hour=05/${FILE}`],
    ['an empty path segment', `events/year=2026/month=11//day=27/hour=05/${FILE}`],
    ['a folder key ending in /', 'events/year=2026/month=11/day=27/hour=05/'],
    ['a partition without file', 'events/year=2026/month=11/day=27/hour=05'],
    ['a folder marker inside the partition', 'events/year=2026/month=11/day=27/hour=05/_$folder$'],
    ['a folder marker next to the partition', 'events/year=2026/month=11/day=27/hour=05_$folder$'],
    ['a folder marker of a parent', 'events/year=2026/month=11_$folder$'],
    ['the prefix itself', 'events/'],
    ['an empty key', ''],
  ])('GIVEN an hourly layout WHEN the key has %s THEN it is not a partition', (_, key) => {
    expect(parsePartition(HOURLY, key)).toBeUndefined();
  });

  test('GIVEN partition values WHEN the location is built THEN it is the partition folder with a trailing slash', () => {
    expect(partitionLocation(HOURLY, ['2026', '11', '27', '05'])).toBe(`s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/`);
    expect(partitionLocation(MONTHLY, ['2026', '11'])).toBe(`s3://${BUCKET}/events/year=2026/month=11/`);
  });

  const keyName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/);
  const safeValue = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }).filter((v) => !v.includes('/') && !v.includes('='));
  const fileName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((f) => !f.includes('/') && !f.endsWith('_$folder$'));
  const layoutAndValues = fc.uniqueArray(keyName, { minLength: 1, maxLength: 5 }).chain((keys) =>
    fc.record({
      config: fc.constant<RegistrarConfig>({ ...HOURLY, partitionKeys: keys }),
      values: fc.array(safeValue, { minLength: keys.length, maxLength: keys.length }),
      file: fileName,
    }),
  );

  test('GIVEN any layout, safe values and file name WHEN the key Firehose writes is parsed THEN the values round-trip', () => {
    fc.assert(
      fc.property(layoutAndValues, ({ config, values, file }) => {
        expect(parsePartition(config, partitionKeyFor(config, values, file))).toEqual(values);
      }),
    );
  });

  test('GIVEN any safe values WHEN the key arrives URL-encoded in an S3 notification THEN decoding and parsing give the values back', () => {
    fc.assert(
      fc.property(layoutAndValues, ({ config, values, file }) => {
        const key = partitionKeyFor(config, values, file);
        const [object] = objectKeysFromEvent(s3Notification(s3Record(s3NotificationKey(key))));
        expect(object).toEqual({ bucket: BUCKET, key });
        expect(parsePartition(config, object.key)).toEqual(values);
      }),
    );
  });

  test('GIVEN any safe values WHEN an EventBridge key arrives as given or URL-encoded THEN one of its readings parses to the values', () => {
    fc.assert(
      fc.property(layoutAndValues, fc.boolean(), ({ config, values, file }, encoded) => {
        const key = partitionKeyFor(config, values, file);
        const [object] = objectKeysFromEvent(eventBridgeObjectCreated(encoded ? s3NotificationKey(key) : key));
        const parsed = [object.key, ...(object.alternativeKeys ?? [])].map((k) => parsePartition(config, k)).find((v) => v !== undefined);
        expect(parsed).toEqual(values);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// objectKeysFromEvent
// ---------------------------------------------------------------------------------------------

describe('objectKeysFromEvent', () => {
  const key = partitionKeyFor(HOURLY, ['2026', '11', '27', '05']);

  test('GIVEN an EventBridge Object Created event WHEN read THEN it gives the bucket and the key', () => {
    expect(objectKeysFromEvent(eventBridgeObjectCreated(key))).toEqual([{ bucket: BUCKET, key }]);
  });

  test('GIVEN an EventBridge event WHEN the key has spaces, + and a % that is no escape THEN it is taken as given, with no other reading', () => {
    const raw = 'events/year=2026/month=11/day=27/hour=05/report 100%+v2 é.parquet';
    expect(objectKeysFromEvent(eventBridgeObjectCreated(raw))).toEqual([{ bucket: BUCKET, key: raw }]);
  });

  test('GIVEN an S3 event notification WHEN read THEN the URL-encoded key (= as %3D) is decoded', () => {
    const event = s3Notification(s3Record(`events/year%3D2026/month%3D11/day%3D27/hour%3D05/${FILE}`));
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key }]);
  });

  test('GIVEN an S3 event notification WHEN the key has +, %2B and UTF-8 escapes THEN + is a space, %2B a plus and unicode is decoded', () => {
    const event = s3Notification(s3Record('events/year%3D2026/month%3D11/day%3D27/hour%3D05/my+file%2Bv2+%C3%A9t%C3%A9+%F0%9F%93%88.parquet'));
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key: 'events/year=2026/month=11/day=27/hour=05/my file+v2 été 📈.parquet' }]);
  });

  test('GIVEN an S3 event notification with several records WHEN read THEN every object is given in order', () => {
    const other = partitionKeyFor(HOURLY, ['2026', '11', '27', '06']);
    const event = s3Notification(s3Record(s3NotificationKey(key)), s3Record(s3NotificationKey(other), 'other-bucket', 'ObjectCreated:CompleteMultipartUpload'));
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key }, { bucket: 'other-bucket', key: other }]);
  });

  test('GIVEN an S3 event notification with a removal WHEN read THEN the removed object is skipped', () => {
    const event = s3Notification(s3Record(s3NotificationKey(key), BUCKET, 'ObjectRemoved:Delete'), s3Record(s3NotificationKey(key)));
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key }]);
  });

  test('GIVEN an EventBridge event of another S3 type WHEN read THEN it gives no object', () => {
    const deleted = { ...eventBridgeObjectCreated(key), 'detail-type': 'Object Deleted' } as unknown as RegistrarEvent;
    expect(objectKeysFromEvent(deleted)).toEqual([]);
  });

  test('GIVEN an SQS batch of S3 notifications WHEN read THEN the objects of every message are given, decoded', () => {
    const second = partitionKeyFor(HOURLY, ['2026', '11', '27', '06'], 'a b.parquet');
    const event = sqsEvent(
      JSON.stringify(s3Notification(s3Record(s3NotificationKey(key)))),
      JSON.stringify(s3Notification(s3Record(s3NotificationKey(second)))),
    );
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key }, { bucket: BUCKET, key: second }]);
  });

  test('GIVEN an SQS batch with the s3:TestEvent WHEN read THEN the test event is ignored', () => {
    const event = sqsEvent(S3_TEST_EVENT_BODY, JSON.stringify(s3Notification(s3Record(s3NotificationKey(key)))));
    expect(objectKeysFromEvent(event)).toEqual([{ bucket: BUCKET, key }]);
    expect(objectKeysFromEvent(sqsEvent(S3_TEST_EVENT_BODY))).toEqual([]);
  });

  test('GIVEN an SQS batch of EventBridge events WHEN read THEN the keys are taken as given, with the decoded reading as the alternative', () => {
    const raw = 'events/year=2026/month=11/day=27/hour=05/a+b c.parquet';
    expect(objectKeysFromEvent(sqsEvent(JSON.stringify(eventBridgeObjectCreated(raw))))).toEqual([
      { bucket: BUCKET, key: raw, alternativeKeys: ['events/year=2026/month=11/day=27/hour=05/a b c.parquet'] },
    ]);
  });

  test('GIVEN an EventBridge event WHEN its key is URL-encoded (= as %3D) THEN the decoded key is the alternative reading', () => {
    const encoded = `events/year%3D2026/month%3D11/day%3D27/hour%3D05/${FILE}`;
    expect(objectKeysFromEvent(eventBridgeObjectCreated(encoded))).toEqual([{ bucket: BUCKET, key: encoded, alternativeKeys: [key] }]);
  });

  test('GIVEN empty events WHEN read THEN they give no object', () => {
    expect(objectKeysFromEvent(s3Notification())).toEqual([]);
    expect(objectKeysFromEvent(sqsEvent())).toEqual([]);
  });

  test('fails on an event that is not from S3, naming what it got', () => {
    const scheduled = { 'version': '0', 'id': 'x', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': ACCOUNT, 'time': '2026-11-27T05:00:00Z', 'region': REGION, 'resources': [], 'detail': {} };
    expect(() => objectKeysFromEvent(scheduled as unknown as RegistrarEvent)).toThrow(/event is not an S3 event notification.*"source":"aws.events"/);
    expect(() => objectKeysFromEvent(null as unknown as RegistrarEvent)).toThrow(/event is not an S3 event notification.*got null/);
  });

  test('fails on an EventBridge Object Created event without bucket or key', () => {
    const broken = eventBridgeObjectCreated(key) as unknown as { detail: Record<string, unknown> };
    delete broken.detail.object;
    expect(() => objectKeysFromEvent(broken as unknown as RegistrarEvent)).toThrow(/without detail.bucket.name or detail.object.key/);
  });

  test('fails on an SQS message whose body is not JSON, naming the message', () => {
    const event = sqsEvent('not json');
    expect(() => objectKeysFromEvent(event)).toThrow(`SQS message ${event.Records[0].messageId} has a body that is not JSON: not json`);
  });

  test('fails on an SQS message whose body is not an S3 event, naming the message', () => {
    const event = sqsEvent(JSON.stringify({ hello: 'world' }));
    expect(() => objectKeysFromEvent(event)).toThrow(new RegExp(`SQS message ${event.Records[0].messageId} is not an S3 event notification`));
  });

  test('fails on an S3 notification key that is not validly URL-encoded', () => {
    expect(() => objectKeysFromEvent(s3Notification(s3Record('events/%E0%A4%A.parquet')))).toThrow(/'events\/%E0%A4%A.parquet' .* is not validly URL-encoded/);
  });
});

// ---------------------------------------------------------------------------------------------
// registerPartitions
// ---------------------------------------------------------------------------------------------

describe('registerPartitions', () => {
  test('GIVEN one new object WHEN registered THEN BatchCreatePartition gets the values and the table descriptor with the partition location', async () => {
    const result = await registerPartitions(glue, HOURLY, objectsFor([['2026', '11', '27', '05']]), log, emit);

    expect(result).toEqual({ registered: 1, alreadyExisted: 0, ignored: [] });
    expect(glueMock.commandCalls(GetTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'lake_db', Name: 'events' }]);
    expect(batchInputs()).toEqual([{
      DatabaseName: 'lake_db',
      TableName: 'events',
      PartitionInputList: [{
        Values: ['2026', '11', '27', '05'],
        StorageDescriptor: { ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/` },
      }],
    }]);
    // The SDK drops undefined members; none may stand in for a real one.
    expect(Object.keys(batchInputs()[0])).toEqual(['DatabaseName', 'TableName', 'PartitionInputList']);
    expect(batchInputs()[0].PartitionInputList![0].StorageDescriptor).not.toHaveProperty('AdditionalLocations');
  });

  test('GIVEN a catalog ID WHEN registered THEN GetTable and BatchCreatePartition name that catalog', async () => {
    glueMock.on(GetTableCommand).resolves(tableResponse(MONTHLY.partitionKeys));
    await registerPartitions(glue, { ...MONTHLY, catalogId: '444455556666' }, objectsFor([['2026', '11']], MONTHLY), log, emit);

    expect(glueMock.commandCalls(GetTableCommand)[0].args[0].input).toEqual({ CatalogId: '444455556666', DatabaseName: 'lake_db', Name: 'events' });
    expect(batchInputs()).toEqual([{
      CatalogId: '444455556666',
      DatabaseName: 'lake_db',
      TableName: 'events',
      PartitionInputList: [{ Values: ['2026', '11'], StorageDescriptor: { ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=11/` } }],
    }]);
  });

  test('GIVEN several objects of the same partitions in one event WHEN registered THEN each partition is created once', async () => {
    const objects = [
      { bucket: BUCKET, key: partitionKeyFor(HOURLY, ['2026', '11', '27', '05'], 'a.parquet') },
      { bucket: BUCKET, key: partitionKeyFor(HOURLY, ['2026', '11', '27', '05'], 'b.parquet') },
      { bucket: BUCKET, key: partitionKeyFor(HOURLY, ['2026', '11', '27', '06'], 'c.parquet') },
      { bucket: BUCKET, key: partitionKeyFor(HOURLY, ['2026', '11', '27', '05'], 'a.parquet') },
    ];

    const result = await registerPartitions(glue, HOURLY, objects, log, emit);

    expect(result).toEqual({ registered: 2, alreadyExisted: 0, ignored: [] });
    expect(batchInputs()).toHaveLength(1);
    expect(batchInputs()[0].PartitionInputList!.map((p) => p.Values)).toEqual([['2026', '11', '27', '05'], ['2026', '11', '27', '06']]);
  });

  test('GIVEN 250 partitions WHEN registered THEN BatchCreatePartition is called in chunks of 100, 100 and 50', async () => {
    const values = hourlyValues(250);

    const result = await registerPartitions(glue, HOURLY, objectsFor(values), log, emit);

    expect(MAX_PARTITIONS_PER_BATCH).toBe(100);
    expect(result).toEqual({ registered: 250, alreadyExisted: 0, ignored: [] });
    expect(batchInputs().map((input) => input.PartitionInputList!.length)).toEqual([100, 100, 50]);
    expect(batchInputs().flatMap((input) => input.PartitionInputList!.map((p) => p.Values))).toEqual(values);
    expect(glueMock.commandCalls(GetTableCommand)).toHaveLength(1);
  });

  test('GIVEN exactly 100 partitions WHEN registered THEN one call carries them all', async () => {
    await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(100)), log, emit);

    expect(batchInputs().map((input) => input.PartitionInputList!.length)).toEqual([100]);
  });

  test('GIVEN partitions Glue already has WHEN registered THEN AlreadyExistsException entries count as alreadyExisted, not as failures', async () => {
    const values = hourlyValues(3);
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        { PartitionValues: values[0], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } },
        { PartitionValues: values[2], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } },
      ],
    });

    const result = await registerPartitions(glue, HOURLY, objectsFor(values), log, emit);

    expect(result).toEqual({ registered: 1, alreadyExisted: 2, ignored: [] });
    expect(logged().at(-1)).toEqual({ level: 'INFO', message: 'partitions registered', table: 'lake_db.events', registered: 1, alreadyExisted: 2, ignored: 0 });
  });

  test('fails when an entry has another error code, naming the partition values and the Glue code and message, after trying every chunk', async () => {
    const values = hourlyValues(150);
    const error: PartitionError = { PartitionValues: values[7], ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'Internal service error' } };
    glueMock.on(BatchCreatePartitionCommand)
      .resolvesOnce({ Errors: [error, { PartitionValues: values[8], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } }] })
      .resolves({ Errors: [] });

    await expect(registerPartitions(glue, HOURLY, objectsFor(values), log, emit)).rejects.toThrow(
      'failed to register 1 of 150 partition(s) of lake_db.events:\n  - [2026, 01, 01, 07] InternalServiceException: Internal service error',
    );
    expect(batchInputs()).toHaveLength(2);
    expect(logged().at(-1)).toEqual({
      level: 'ERROR',
      message: 'partition registration failed',
      table: 'lake_db.events',
      registered: 148,
      alreadyExisted: 1,
      failures: [{ values: ['2026', '01', '01', '07'], code: 'InternalServiceException', message: 'Internal service error' }],
    });
  });

  test('fails when the BatchCreatePartition call itself fails, naming every partition of the chunk and the error', async () => {
    glueMock.on(GetTableCommand).resolves(tableResponse(DAILY.partitionKeys));
    glueMock.on(BatchCreatePartitionCommand).rejects(new AccessDeniedException({ message: 'User is not authorized to perform: glue:BatchCreatePartition', $metadata: {} }));

    await expect(registerPartitions(glue, DAILY, objectsFor([['2026', '11', '27'], ['2026', '11', '28']], DAILY), log, emit)).rejects.toThrow(
      'failed to register 2 of 2 partition(s) of lake_db.events:'
      + '\n  - [2026, 11, 27] AccessDeniedException: User is not authorized to perform: glue:BatchCreatePartition'
      + '\n  - [2026, 11, 28] AccessDeniedException: User is not authorized to perform: glue:BatchCreatePartition',
    );
  });

  test('fails with at most 20 failures spelled out in the message and the count of the rest', async () => {
    const values = hourlyValues(25);
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: values.map((v) => ({ PartitionValues: v, ErrorDetail: { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'Too many partitions' } })),
    });

    const error = await registerPartitions(glue, HOURLY, objectsFor(values), log, emit).catch((e: Error) => e);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.match(/ResourceNumberLimitExceededException/g)).toHaveLength(20);
    expect((error as Error).message).toMatch(/\n {2}… and 5 more$/);
    expect((logged().at(-1)!.failures as unknown[])).toHaveLength(25);
  });

  test('fails when GetTable fails, without creating partitions and without caching the failure', async () => {
    glueMock.on(GetTableCommand)
      .rejectsOnce(new EntityNotFoundException({ message: 'Table events not found.', $metadata: {} }))
      .resolves(tableResponse());

    await expect(registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit)).rejects.toThrow(
      'cannot read table lake_db.events to register its partitions: EntityNotFoundException: Table events not found.',
    );
    expect(batchInputs()).toHaveLength(0);

    const retried = await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit);
    expect(retried).toEqual({ registered: 1, alreadyExisted: 0, ignored: [] });
    expect(glueMock.commandCalls(GetTableCommand)).toHaveLength(2);
  });

  test('fails when the table partition keys differ from the layout', async () => {
    glueMock.on(GetTableCommand).resolves(tableResponse(['dt']));

    await expect(registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit)).rejects.toThrow(
      'table lake_db.events has partition keys [dt] but the registrar parses [year, month, day, hour]',
    );
    expect(batchInputs()).toHaveLength(0);
  });

  test('GIVEN table partition keys in lower case WHEN the layout uses upper case THEN they agree', async () => {
    const config = { ...MONTHLY, partitionKeys: ['Year', 'Month'] };
    glueMock.on(GetTableCommand).resolves(tableResponse(['year', 'month']));

    await expect(registerPartitions(glue, config, objectsFor([['2026', '11']], config), log, emit)).resolves.toMatchObject({ registered: 1 });
    expect(batchInputs()[0].PartitionInputList![0].StorageDescriptor!.Location).toBe(`s3://${BUCKET}/events/Year=2026/Month=11/`);
  });

  test('fails when the table has no storage descriptor', async () => {
    glueMock.on(GetTableCommand).resolves({ Table: { Name: 'events', PartitionKeys: HOURLY.partitionKeys.map((Name) => ({ Name })) } });

    await expect(registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit)).rejects.toThrow(/table lake_db.events has no storage descriptor/);
  });

  test('GIVEN two invocations in one execution environment WHEN registered THEN GetTable is called once', async () => {
    await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit);
    await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(2)), log, emit);

    expect(glueMock.commandCalls(GetTableCommand)).toHaveLength(1);
    expect(batchInputs()).toHaveLength(2);
    expect(batchInputs()[1].PartitionInputList![1].StorageDescriptor).toEqual({ ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=01/day=01/hour=01/` });
  });

  test('GIVEN a reset cache or another table WHEN registered THEN the table is read again', async () => {
    await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit);
    resetTableCache();
    await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log, emit);
    await registerPartitions(glue, { ...HOURLY, tableName: 'orders' }, objectsFor(hourlyValues(1)), log, emit);

    expect(glueMock.commandCalls(GetTableCommand).map((c) => c.args[0].input.Name)).toEqual(['events', 'events', 'orders']);
  });

  test('GIVEN no objects WHEN registered THEN Glue is not called', async () => {
    const result = await registerPartitions(glue, HOURLY, objectKeysFromEvent(s3Notification()), log, emit);

    expect(result).toEqual({ registered: 0, alreadyExisted: 0, ignored: [] });
    expect(glueMock.calls()).toHaveLength(0);
  });

  test('GIVEN only the s3:TestEvent WHEN registered THEN Glue is not called', async () => {
    const result = await registerPartitions(glue, HOURLY, objectKeysFromEvent(sqsEvent(S3_TEST_EVENT_BODY)), log, emit);

    expect(result).toEqual({ registered: 0, alreadyExisted: 0, ignored: [] });
    expect(glueMock.calls()).toHaveLength(0);
  });

  test('GIVEN a folder key and a key outside the data prefix WHEN registered THEN they are ignored, listed and logged, and the rest is registered', async () => {
    const good = partitionKeyFor(HOURLY, ['2026', '11', '27', '05']);
    const objects = [
      { bucket: BUCKET, key: 'events/year=2026/month=11/day=27/hour=05/' },
      { bucket: BUCKET, key: `raw/2026/11/27/05/${FILE}` },
      { bucket: BUCKET, key: good },
    ];

    const result = await registerPartitions(glue, HOURLY, objects, log, emit);

    expect(result).toEqual({
      registered: 1,
      alreadyExisted: 0,
      ignored: [`s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/`, `s3://${BUCKET}/raw/2026/11/27/05/${FILE}`],
    });
    expect(logged().filter((l) => l.level === 'WARN')).toEqual([
      {
        level: 'WARN',
        message: 'object ignored',
        table: 'lake_db.events',
        object: `s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/`,
        reason: 'a folder key or folder marker, not a data file',
      },
      expect.objectContaining({ object: `s3://${BUCKET}/raw/2026/11/27/05/${FILE}`, reason: 'outside the table\'s data prefix \'events/\'' }),
    ]);
    expect(batchInputs()[0].PartitionInputList!.map((p) => p.Values)).toEqual([['2026', '11', '27', '05']]);
  });

  test('GIVEN only a folder marker WHEN registered THEN Glue is not called and a summary is logged', async () => {
    const result = await registerPartitions(glue, HOURLY, [{ bucket: BUCKET, key: 'events/year=2026/month=11_$folder$' }], log, emit);

    expect(result.ignored).toEqual([`s3://${BUCKET}/events/year=2026/month=11_$folder$`]);
    expect(glueMock.calls()).toHaveLength(0);
    expect(logged().at(-1)).toEqual({ level: 'INFO', message: 'no partitions to register', table: 'lake_db.events', objects: 1, ignored: 1 });
  });

  test('GIVEN an object of another bucket WHEN registered THEN it is ignored and logged even when its key fits the layout', async () => {
    const key = partitionKeyFor(HOURLY, ['2026', '11', '27', '05']);

    const result = await registerPartitions(glue, HOURLY, objectKeysFromEvent(eventBridgeObjectCreated(key, 'someone-elses-bucket')), log, emit);

    expect(result).toEqual({ registered: 0, alreadyExisted: 0, ignored: [`s3://someone-elses-bucket/${key}`] });
    expect(glueMock.calls()).toHaveLength(0);
    expect(logged()[0]).toEqual({
      level: 'WARN', message: 'object ignored', table: 'lake_db.events', object: `s3://someone-elses-bucket/${key}`, reason: `another bucket than ${BUCKET}`,
    });
  });

  test('GIVEN a URL-encoded S3 notification key with spaces WHEN registered THEN the decoded values and location are used', async () => {
    const key = 'events/year=2026/month=11/day=27/hour=05/my file+1.parquet';
    const event = s3Notification(s3Record(s3NotificationKey(key)));
    expect(event.Records[0].s3.object.key).toBe('events/year%3D2026/month%3D11/day%3D27/hour%3D05/my+file%2B1.parquet');

    await registerPartitions(glue, HOURLY, objectKeysFromEvent(event), log, emit);

    expect(batchInputs()[0].PartitionInputList).toEqual([{
      Values: ['2026', '11', '27', '05'],
      StorageDescriptor: { ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/` },
    }]);
  });

  test('GIVEN an EventBridge event with a URL-encoded key (= as %3D) WHEN registered THEN its partition is registered, not ignored', async () => {
    // Before: registered 0, the object in `ignored`, the invocation succeeded: nothing retried, nothing dead-lettered.
    const event = eventBridgeObjectCreated(`events/year%3D2026/month%3D11/day%3D27/hour%3D05/${FILE}`);

    const result = await registerPartitions(glue, HOURLY, objectKeysFromEvent(event), log, emit);

    expect(result).toEqual({ registered: 1, alreadyExisted: 0, ignored: [] });
    expect(batchInputs()[0].PartitionInputList).toEqual([{
      Values: ['2026', '11', '27', '05'],
      StorageDescriptor: { ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/` },
    }]);
  });

  test('fails, after registering the other objects, on a key under the data prefix that does not parse, naming it and the fix', async () => {
    const good = partitionKeyFor(HOURLY, ['2026', '11', '27', '05']);
    const objects = [
      { bucket: BUCKET, key: good },
      { bucket: BUCKET, key: `events/year=2026/month=11/day=27/${FILE}` },
      { bucket: BUCKET, key: `events/2026/11/27/05/${FILE}` },
    ];

    const error = await registerPartitions(glue, HOURLY, objects, log, emit).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnparsableObjectsError);
    expect((error as Error).message).toBe(
      `2 object(s) under the data prefix of lake_db.events have keys that do not parse against the partition layout, so their partitions cannot be registered: s3://${BUCKET}/events/year=2026/month=11/day=27/${FILE}, s3://${BUCKET}/events/2026/11/27/05/${FILE} (registered 1, already existed 0); the writer and the layout disagree: write keys as the layout's dataPrefix() gives them`,
    );
    expect(batchInputs()[0].PartitionInputList!.map((p) => p.Values)).toEqual([['2026', '11', '27', '05']]);
    expect(logged().filter((l) => l.level === 'ERROR')).toEqual([
      { level: 'ERROR', message: 'object key does not parse', table: 'lake_db.events', object: `s3://${BUCKET}/events/year=2026/month=11/day=27/${FILE}`, layout: 'events/year=…/month=…/day=…/hour=…/<file>' },
      expect.objectContaining({ object: `s3://${BUCKET}/events/2026/11/27/05/${FILE}` }),
    ]);
    expect(metricCounts()).toEqual({ PartitionsRegistered: 1, UnparsableObjects: 2, RegistrationFailures: 0, IgnoredObjects: 0 });
  });

  test('fails on an unparsable key under the data prefix even when it is the only object, without calling Glue', async () => {
    await expect(registerPartitions(glue, HOURLY, [{ bucket: BUCKET, key: `events/year=2026/month=11/day=27/hour=05/minute=12/${FILE}` }], log, emit))
      .rejects.toThrow(UnparsableObjectsError);
    expect(glueMock.calls()).toHaveLength(0);
    expect(metricCounts()).toEqual({ PartitionsRegistered: 0, UnparsableObjects: 1, RegistrationFailures: 0, IgnoredObjects: 0 });
  });

  test('GIVEN the table at the bucket root WHEN a key starts with the first partition key but does not parse THEN it fails; raw/ and errors/ keys are ignored', async () => {
    const ROOT: RegistrarConfig = { ...HOURLY, dataPrefix: '' };
    const ignoredKeys = [`raw/2026/11/27/05/${FILE}`, `errors/format-conversion-failed/2026/11/27/05/${FILE}`];
    const ignoredOnly = await registerPartitions(glue, ROOT, ignoredKeys.map((key) => ({ bucket: BUCKET, key })), log, emit);
    expect(ignoredOnly.ignored).toHaveLength(2);
    metricLines = [];
    await expect(registerPartitions(glue, ROOT, [{ bucket: BUCKET, key: `year=2026/month=11/${FILE}` }], log, emit)).rejects.toThrow(UnparsableObjectsError);
  });

  test('publishes one embedded-metric-format line per invocation: namespace, Database and Table dimensions, four counts', async () => {
    const objects = [
      ...objectsFor(hourlyValues(2)),
      { bucket: BUCKET, key: 'events/year=2026/month=11_$folder$' },
      { bucket: 'someone-elses-bucket', key: partitionKeyFor(HOURLY, ['2026', '11', '27', '05']) },
    ];
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: hourlyValues(2)[1], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } }],
    });

    await registerPartitions(glue, HOURLY, objects, log, emit);

    expect(metricLines).toHaveLength(1);
    const line = JSON.parse(metricLines[0]);
    expect(line).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [{
          Namespace: 'cdk-serverless-data-lake/PartitionRegistration',
          Dimensions: [['Database', 'Table']],
          Metrics: [
            { Name: 'PartitionsRegistered', Unit: 'Count' },
            { Name: 'UnparsableObjects', Unit: 'Count' },
            { Name: 'RegistrationFailures', Unit: 'Count' },
            { Name: 'IgnoredObjects', Unit: 'Count' },
          ],
        }],
      },
      Database: 'lake_db',
      Table: 'events',
      PartitionsRegistered: 1,
      UnparsableObjects: 0,
      RegistrationFailures: 0,
      IgnoredObjects: 2,
    });
    expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  });

  test('counts Glue entry errors and failed calls as RegistrationFailures, and a failed GetTable as a failure of every partition', async () => {
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: hourlyValues(3)[0], ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'boom' } }],
    });
    await expect(registerPartitions(glue, HOURLY, objectsFor(hourlyValues(3)), log, emit)).rejects.toThrow(/failed to register 1 of 3/);
    expect(metricCounts()).toEqual({ PartitionsRegistered: 2, UnparsableObjects: 0, RegistrationFailures: 1, IgnoredObjects: 0 });

    metricLines = [];
    resetTableCache();
    glueMock.on(GetTableCommand).rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));
    await expect(registerPartitions(glue, HOURLY, objectsFor(hourlyValues(3)), log, emit)).rejects.toThrow(/cannot read table/);
    expect(metricCounts()).toEqual({ PartitionsRegistered: 0, UnparsableObjects: 0, RegistrationFailures: 3, IgnoredObjects: 0 });
  });

  test('without a metrics writer the line goes to stdout as the JSON object alone (no console prefix), so CloudWatch extracts it', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), log);
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0].endsWith('}\n')).toBe(true);
    expect(JSON.parse(written[0])).toMatchObject({ Database: 'lake_db', Table: 'events', PartitionsRegistered: 1 });
  });

  test('GIVEN no log function WHEN registered THEN JSON lines go to console.log', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await registerPartitions(glue, HOURLY, objectsFor(hourlyValues(1)), undefined, emit);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(JSON.parse(spy.mock.calls[0][0] as string)).toMatchObject({ level: 'INFO', message: 'partitions registered', registered: 1 });
    } finally {
      spy.mockRestore();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Configuration and the Lambda entry
// ---------------------------------------------------------------------------------------------

const ENV = {
  DATABASE_NAME: 'lake_db',
  TABLE_NAME: 'events',
  BUCKET_NAME: BUCKET,
  DATA_PREFIX: 'events/',
  PARTITION_KEYS: 'year,month,day,hour',
};

describe('registrarConfigFromEnvironment', () => {
  test('GIVEN the environment WHEN read THEN it gives the config without a catalog ID', () => {
    expect(registrarConfigFromEnvironment(ENV)).toEqual(HOURLY);
    expect(registrarConfigFromEnvironment(ENV)).not.toHaveProperty('catalogId');
  });

  test('GIVEN a catalog ID, spaces around keys and a prefix without trailing slash WHEN read THEN they are normalized', () => {
    expect(registrarConfigFromEnvironment({ ...ENV, DATA_PREFIX: 'events', PARTITION_KEYS: ' year , month ', CATALOG_ID: '444455556666' }))
      .toEqual({ ...MONTHLY, catalogId: '444455556666' });
  });

  test('GIVEN an empty data prefix WHEN read THEN the table is at the bucket root', () => {
    expect(registrarConfigFromEnvironment({ ...ENV, DATA_PREFIX: '' }).dataPrefix).toBe('');
  });

  test('fails listing every missing variable at once', () => {
    expect(() => registrarConfigFromEnvironment({ TABLE_NAME: 'events', BUCKET_NAME: '' })).toThrow(
      'partition registrar configuration is invalid: '
      + '\n  - DATABASE_NAME must be set to a non-empty value, got null'
      + '\n  - BUCKET_NAME must be set to a non-empty value, got ""'
      + '\n  - DATA_PREFIX must be set (empty for the bucket root), got null'
      + '\n  - PARTITION_KEYS must be set to a non-empty value, got null',
    );
  });

  test.each([
    ['an empty key', 'year,,month', /PARTITION_KEYS must be comma-separated names without '\/' or '=', got 'year,,month'/],
    ['a key with =', 'year=,month', /PARTITION_KEYS must be comma-separated names/],
    ['a repeated key', 'year,month,year', /PARTITION_KEYS must not repeat a key, got 'year,month,year' \(repeated: year\)/],
  ])('fails on partition keys with %s', (_, keys, message) => {
    expect(() => registrarConfigFromEnvironment({ ...ENV, PARTITION_KEYS: keys })).toThrow(message);
  });

  test('fails on a data prefix that starts with a slash', () => {
    expect(() => registrarConfigFromEnvironment({ ...ENV, DATA_PREFIX: '/events/' })).toThrow(/DATA_PREFIX must not start with '\/', got '\/events\/'/);
  });
});

describe('partition-registrar.lambda handler', () => {
  const saved = { ...process.env };

  beforeEach(() => {
    vi.resetModules();
  });

  afterEach(() => {
    for (const name of [...Object.keys(ENV), 'CATALOG_ID']) {
      if (saved[name] === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = saved[name];
      }
    }
  });

  test('GIVEN the environment WHEN an EventBridge event arrives THEN the entry registers its partition with the module-scope client', async () => {
    Object.assign(process.env, ENV, { CATALOG_ID: ACCOUNT });
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { handler } = await import('../../src/crawled-catalog/partition-registrar.lambda.js');

      const result = await handler(eventBridgeObjectCreated(partitionKeyFor(HOURLY, ['2026', '11', '27', '05'])));

      expect(result).toEqual({ registered: 1, alreadyExisted: 0, ignored: [] });
      expect(batchInputs()).toEqual([{
        CatalogId: ACCOUNT,
        DatabaseName: 'lake_db',
        TableName: 'events',
        PartitionInputList: [{ Values: ['2026', '11', '27', '05'], StorageDescriptor: { ...INHERITED, Location: `s3://${BUCKET}/events/year=2026/month=11/day=27/hour=05/` } }],
      }]);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('GIVEN a key under the data prefix that does not parse WHEN the entry runs THEN the invocation fails, so Lambda retries it and then dead-letters it', async () => {
    Object.assign(process.env, ENV);
    const logSpy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { handler } = await import('../../src/crawled-catalog/partition-registrar.lambda.js');
      await expect(handler(eventBridgeObjectCreated(`events/year=2026/month=11/${FILE}`))).rejects.toThrow(/do not parse against the partition layout/);
      expect(outSpy).toHaveBeenCalledWith(expect.stringContaining('"UnparsableObjects":1'));
    } finally {
      logSpy.mockRestore();
      outSpy.mockRestore();
    }
  });

  test('fails the cold start when the environment is incomplete', async () => {
    Object.assign(process.env, ENV);
    delete process.env.TABLE_NAME;

    await expect(import('../../src/crawled-catalog/partition-registrar.lambda.js')).rejects.toThrow(/TABLE_NAME must be set to a non-empty value/);
  });
});
