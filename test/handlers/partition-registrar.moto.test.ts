import * as path from 'path';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetPartitionsCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import type { S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ColumnType, PartitionLayout, TableSchema } from '../../src';
import { LocalMoto, startMoto } from '../support/moto';

// The bundled registrar (the asset that ships, loaded as Lambda loads it: configuration from the
// environment, the SDK client created at module scope) against moto's Glue: a real catalog that
// stores partitions and answers BatchCreatePartition, AlreadyExists included. The table is the
// one this library declares (columns from a TableSchema, partition keys from the layout).

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const BUCKET = 'lake-bucket-123456789012';
const DATABASE = 'lake_db';
const TABLE = 'clicks';
const FILE = 'ClicksDelivery-1-2026-11-27-05-12-33-2b1c9f1e-0d7b-4b7e-9a57-3c1b5e7d2a10.parquet';
const layout = PartitionLayout.hourly();
const schema = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'clicked_at', type: ColumnType.TIMESTAMP },
]);

type Handler = (event: S3ObjectCreatedNotificationEvent) => Promise<{ registered: number; alreadyExisted: number; ignored: string[] }>;

let moto: LocalMoto;
let glue: GlueClient;
let handler: Handler;
const saved = { ...process.env };

/** An EventBridge `Object Created` event from S3, as the S3 user guide documents it. */
function objectCreated(key: string): S3ObjectCreatedNotificationEvent {
  return {
    'version': '0',
    'id': '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    'source': 'aws.s3',
    'account': ACCOUNT,
    'time': '2026-11-27T05:12:34Z',
    'region': REGION,
    'resources': [`arn:aws:s3:::${BUCKET}`],
    'detail': {
      'version': '0',
      'bucket': { name: BUCKET },
      'object': { 'key': key, 'size': 5576, 'etag': 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', 'sequencer': '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      'requester': ACCOUNT,
      'source-ip-address': '10.0.138.15',
      'reason': 'PutObject',
    },
  };
}

async function partitions(): Promise<Array<{ values: string[]; location: string; inputFormat: string; columns: string[] }>> {
  const out = await glue.send(new GetPartitionsCommand({ DatabaseName: DATABASE, TableName: TABLE }));
  return (out.Partitions ?? [])
    .map((p) => ({
      values: p.Values ?? [],
      location: p.StorageDescriptor?.Location ?? '',
      inputFormat: p.StorageDescriptor?.InputFormat ?? '',
      columns: (p.StorageDescriptor?.Columns ?? []).map((c) => `${c.Name}:${c.Type}`),
    }))
    .sort((a, b) => a.values.join('/').localeCompare(b.values.join('/')));
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL_GLUE: moto.endpoint,
    DATABASE_NAME: DATABASE,
    TABLE_NAME: TABLE,
    BUCKET_NAME: BUCKET,
    DATA_PREFIX: layout.tableRoot(TABLE),
    PARTITION_KEYS: layout.partitionKeys.join(','),
    CATALOG_ID: ACCOUNT,
  });
  glue = new GlueClient({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE } }));
  await glue.send(new CreateTableCommand({
    DatabaseName: DATABASE,
    TableInput: {
      Name: TABLE,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
      PartitionKeys: layout.partitionKeys.map((Name) => ({ Name, Type: 'string' })),
      StorageDescriptor: {
        Columns: schema.columns.map((c) => ({ Name: c.name, Type: c.type.inputString })),
        Location: layout.tableLocation(BUCKET, TABLE),
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    },
  }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require(path.join(__dirname, '../../assets/crawled-catalog/partition-registrar.lambda/index.js')).handler;
});

afterAll(async () => {
  glue?.destroy();
  await moto?.stop();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe('bundled partition registrar on moto\'s Glue', () => {
  test('an EventBridge key as Firehose writes it and one URL-encoded (%3D) both register, each once, with the table\'s descriptor', async () => {
    const quiet = [vi.spyOn(console, 'log').mockImplementation(() => undefined), vi.spyOn(process.stdout, 'write').mockImplementation(() => true)];
    try {
      const plain = await handler(objectCreated(`clicks/year=2026/month=11/day=27/hour=05/${FILE}`));
      const encoded = await handler(objectCreated(`clicks/year%3D2026/month%3D11/day%3D27/hour%3D06/${FILE}`));
      // The same partition again, encoded: Glue says it exists, the invocation succeeds.
      const again = await handler(objectCreated(`clicks/year%3D2026/month%3D11/day%3D27/hour%3D05/${FILE}`));
      expect([plain, encoded, again]).toEqual([
        { registered: 1, alreadyExisted: 0, ignored: [] },
        { registered: 1, alreadyExisted: 0, ignored: [] },
        { registered: 0, alreadyExisted: 1, ignored: [] },
      ]);
    } finally {
      quiet.forEach((s) => s.mockRestore());
    }
    expect(await partitions()).toEqual([
      { values: ['2026', '11', '27', '05'], location: `s3://${BUCKET}/clicks/year=2026/month=11/day=27/hour=05/`, inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', columns: ['event_id:string', 'clicked_at:timestamp'] },
      { values: ['2026', '11', '27', '06'], location: `s3://${BUCKET}/clicks/year=2026/month=11/day=27/hour=06/`, inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', columns: ['event_id:string', 'clicked_at:timestamp'] },
    ]);
  });

  test('a key under the table prefix that does not parse fails the invocation (retried, then dead-lettered) and is counted in the metrics line', async () => {
    const written: string[] = [];
    const quiet = [
      vi.spyOn(console, 'log').mockImplementation(() => undefined),
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }),
    ];
    try {
      await expect(handler(objectCreated(`clicks/2026/11/27/07/${FILE}`))).rejects.toThrow(/do not parse against the partition layout/);
    } finally {
      quiet.forEach((s) => s.mockRestore());
    }
    const metrics = written.map((w) => JSON.parse(w)).filter((m) => m._aws);
    expect(metrics).toEqual([expect.objectContaining({ Database: DATABASE, Table: TABLE, UnparsableObjects: 1, PartitionsRegistered: 0 })]);
    expect((await partitions()).map((p) => p.values.join('/'))).toEqual(['2026/11/27/05', '2026/11/27/06']);
  });
});
