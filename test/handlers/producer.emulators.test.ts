import * as path from 'path';
import { gzipSync } from 'zlib';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PartitionLayout } from '../../src';
import { KinesaliteProcess, startKinesaliteProcess } from '../support/kinesalite-process';
import { LocalMoto, startMoto } from '../support/moto';
import {
  createBucket,
  createQueue,
  createStream,
  drainQueue,
  InvokeRecorder,
  kinesisClient,
  record,
  s3Client,
  sha,
  sqsClient,
  StreamReader,
} from '../support/producer-harness';

// The bundled producer (the asset that ships, loaded as Lambda loads it: configuration from the
// environment, SDK clients at module scope, endpoints from AWS_ENDPOINT_URL_<SERVICE>) against
// real emulators on 127.0.0.1: kinesalite (in a child process, stopped by PID) for Kinesis, moto's
// server for S3 and SQS, and a recorder of Lambda's Invoke API for continuations. Every test
// reads back what reached the stream and compares it, record by record, with what it wrote.

const BUCKET = 'lake-bucket';
const STREAM = 'clicks-stream';
const FUNCTION = 'producer';
const layout = PartitionLayout.hourly();

type Result = {
  read: number;
  put: number;
  retried: number;
  deadLettered: number;
  malformed: number;
  oversized: number;
  objects: number;
  continued: boolean;
  totals: Record<string, number>;
  problems: Array<Record<string, unknown>>;
};
type Handler = (event: unknown, context: unknown) => Promise<Result>;

let kinesalite: KinesaliteProcess;
let moto: LocalMoto;
let invokes: InvokeRecorder;
let kinesis: KinesisClient;
let s3: S3Client;
let sqs: SQSClient;
let queueUrl: string;
let reader: StreamReader;
let handler: Handler;
const saved = { ...process.env };
const quiet: Array<{ mockRestore(): void }> = [];

/** A Lambda context whose remaining time runs out after `chunks` checks (never when undefined). */
function context(chunks?: number) {
  let calls = 0;
  return {
    functionName: FUNCTION,
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION}`,
    getRemainingTimeInMillis: () => (chunks !== undefined && ++calls > chunks ? 0 : 600_000),
  };
}

/** Runs an event and every continuation it leads to, as Lambda would; returns each invocation's result. */
async function runChain(event: unknown, chunksPerInvocation?: number): Promise<Result[]> {
  const results = [await handler(event, context(chunksPerInvocation))];
  while (invokes.payloads.length > 0) {
    const next = invokes.payloads.shift() as { functionName: string; invocationType: string; payload: unknown };
    expect(next.functionName).toBe(FUNCTION);
    expect(next.invocationType).toBe('Event');
    results.push(await handler(next.payload, context(chunksPerInvocation)));
    expect(results.length).toBeLessThan(10_000);
  }
  return results;
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
}

function lines(run: string, n: number, bytes = 200, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => record(run, from + i, bytes));
}

/** The records of one run that reached the stream since the last read. */
async function landed(run: string): Promise<string[]> {
  const all = await reader.read();
  return all.map((r) => r.data.toString('utf8')).filter((d) => {
    try {
      return JSON.parse(d).run === run;
    } catch {
      return false;
    }
  });
}

function sorted(a: string[]): string[] {
  return [...a].sort();
}

function s3Event(key: string) {
  return {
    Records: [{
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-27T05:12:34.000Z',
      eventName: 'ObjectCreated:Put',
      s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1 } },
    }],
  };
}

beforeAll(async () => {
  [kinesalite, moto] = await Promise.all([startKinesaliteProcess(), startMoto()]);
  invokes = new InvokeRecorder();
  await invokes.start();
  kinesis = kinesisClient(kinesalite.endpoint);
  s3 = s3Client(moto.endpoint);
  sqs = sqsClient(moto.endpoint);
  await createStream(kinesis, STREAM, 2);
  await createBucket(s3, BUCKET);
  queueUrl = await createQueue(sqs, 'producer-dlq');
  reader = new StreamReader(kinesis, STREAM);
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL_KINESIS: kinesalite.endpoint,
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AWS_ENDPOINT_URL_SQS: moto.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: invokes.endpoint,
    STREAM_NAME: STREAM,
    DEAD_LETTER_QUEUE_URL: queueUrl,
    PARTITION_KEY_FIELD: 'user_id',
    CONTINUE_BEFORE_MS: '1000',
    BACKOFF_BASE_MS: '1',
    BACKOFF_MAX_MS: '10',
    READABLE: JSON.stringify([
      { bucket: BUCKET, prefix: 'landing/' },
      { bucket: BUCKET, prefix: 'raw/clicks/' },
      { bucket: BUCKET, prefix: 'errors/clicks/' },
    ]),
    REPLAY: JSON.stringify({ bucket: BUCKET, timeZone: 'UTC', tables: { clicks: { raw: layout.backupPrefix('clicks'), errors: layout.errorPrefix('clicks') } } }),
  });
  quiet.push(vi.spyOn(console, 'log').mockImplementation(() => undefined));
  quiet.push(vi.spyOn(process.stdout, 'write').mockImplementation(() => true));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require(path.join(__dirname, '../../assets/batch-trigger/producer.lambda/index.js')).handler;
}, 60_000);

afterAll(async () => {
  quiet.forEach((q) => q.mockRestore());
  kinesis?.destroy();
  s3?.destroy();
  sqs?.destroy();
  await invokes?.stop();
  await Promise.all([kinesalite?.stop(), moto?.stop()]);
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe('bundled producer on kinesalite and moto', () => {
  test.each([false, true])('puts 5,000 newline-delimited records of an S3 notification once each (gzip: %s), keyed by user_id', async (gzip) => {
    const run = `ndjson-${gzip}`;
    const records = lines(run, 5000);
    const text = `${records.join('\n')}\n`;
    const key = `landing/batch ${gzip ? 'b.json.gz' : 'a.json'}`;
    await put(key, gzip ? gzipSync(text) : text);
    const [result] = await runChain(s3Event(key));
    expect(result).toMatchObject({ read: 5000, put: 5000, deadLettered: 0, malformed: 0, oversized: 0, objects: 1, continued: false });
    const back = await reader.read();
    const mine = back.filter((r) => r.data.toString().includes(`"run":"${run}"`));
    expect(sorted(mine.map((r) => r.data.toString()))).toEqual(sorted(records));
    expect(mine.every((r) => r.partitionKey === JSON.parse(r.data.toString()).user_id)).toBe(true);
  });

  test('replays a time range of the raw backup (concatenated JSON, GZIP, keys from the layout), and only that range', async () => {
    const run = 'raw-replay';
    const hours = ['03', '04', '05', '09'];
    const expected: string[] = [];
    for (const [h, hour] of hours.entries()) {
      const records = lines(run, 700, 300, h * 1000);
      // Firehose's raw backup holds the records as producers sent them: no delimiter; one pretty-printed record too.
      records[1] = JSON.stringify(JSON.parse(records[1]), null, 2);
      const prefix = layout.backupPrefix('clicks').replace('!{timestamp:yyyy}', '2026').replace('!{timestamp:MM}', '11').replace('!{timestamp:dd}', '27').replace('!{timestamp:HH}', hour);
      await put(`${prefix}clicks-delivery-1-2026-11-27-${hour}-12-33-2b1c9f1e.gz`, gzipSync(records.join('')));
      if (hour !== '09') expected.push(...records);
    }
    const results = await runChain({ replay: { table: 'clicks', from: '2026-11-27T03:00:00Z', to: '2026-11-27T06:00:00Z' } });
    expect(results[0]).toMatchObject({ read: 2100, put: 2100, malformed: 0, objects: 3 });
    expect(sorted(await landed(run))).toEqual(sorted(expected));
  });

  test('replays Firehose error output: JSON lines with base64 rawData of both error types, put as the original records', async () => {
    const run = 'errors-replay';
    const originals = lines(run, 600);
    const processing = originals.slice(0, 300).map((r, i) => JSON.stringify({
      attemptsMade: 4,
      arrivalTimestamp: 1795000000000 + i,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
      attemptEndingTimestamp: 1795000001000,
      rawData: Buffer.from(r).toString('base64'),
      lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:newline',
    }));
    const conversion = originals.slice(300).map((r, i) => JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: 1795000000000 + i,
      lastErrorCode: 'DataFormatConversion.MalformedData',
      lastErrorMessage: 'The record is not valid JSON.',
      attemptEndingTimestamp: 1795000001000,
      rawData: Buffer.from(r).toString('base64'),
      sequenceNumber: `4963${i}`,
      subSequenceNumber: null,
      dataCatalogTable: { databaseName: 'lake', tableName: 'clicks' },
    }));
    const at = (type: string) => layout.errorPrefix('clicks').replace('!{firehose:error-output-type}', type)
      .replace('!{timestamp:yyyy}', '2026').replace('!{timestamp:MM}', '11').replace('!{timestamp:dd}', '28').replace('!{timestamp:HH}', '10');
    await put(`${at('processing-failed')}clicks-delivery-1-2026-11-28-10-00-01-aa.gz`, gzipSync(`${processing.join('\n')}\n`));
    await put(`${at('format-conversion-failed')}clicks-delivery-1-2026-11-28-10-00-02-bb`, `${conversion.join('\n')}\n`);
    const [result] = await runChain({ replay: { table: 'clicks', from: '2026-11-28T10:30:00Z', to: '2026-11-28T10:31:00Z', source: 'errors' } });
    expect(result).toMatchObject({ read: 600, put: 600, malformed: 0, objects: 2 });
    expect(sorted(await landed(run))).toEqual(sorted(originals));
  });

  test('reads an EventBridge Object Created event whose key arrives URL-encoded', async () => {
    const run = 'eventbridge';
    const records = lines(run, 50);
    await put('landing/day=27/x.json', records.join('\n'));
    const event = {
      'version': '0',
      'id': '1',
      'detail-type': 'Object Created',
      'source': 'aws.s3',
      'account': '123456789012',
      'time': '2026-11-27T05:12:34Z',
      'region': 'eu-west-1',
      'resources': [],
      'detail': { version: '0', bucket: { name: BUCKET }, object: { key: 'landing/day%3D27/x.json', size: 1 }, reason: 'PutObject' },
    };
    const [result] = await runChain(event);
    expect(result).toMatchObject({ read: 50, put: 50, objects: 1 });
    expect(sorted(await landed(run))).toEqual(sorted(records));
  });

  test('reports malformed lines with their object and offset, and puts every other line', async () => {
    const run = 'malformed';
    const good = lines(run, 100);
    const body = [good.slice(0, 40).join('\n'), '{"run":"malformed","id":-1,"truncated', 'not json at all', good.slice(40).join('\n'), '{"id": }', ''].join('\n');
    await put('landing/malformed.json', body);
    const [result] = await runChain({ bucket: BUCKET, keys: ['landing/malformed.json'] });
    expect(result).toMatchObject({ read: 100, put: 100, malformed: 3, objects: 1 });
    const offsets = result.problems.map((p) => [p.kind, p.key, p.offset]);
    expect(offsets).toEqual([
      ['malformed', 'landing/malformed.json', body.indexOf('{"run":"malformed","id":-1')],
      ['malformed', 'landing/malformed.json', body.indexOf('not json')],
      ['malformed', 'landing/malformed.json', body.indexOf('{"id": }')],
    ]);
    expect(sorted(await landed(run))).toEqual(sorted(good));
  });

  test('dead-letters a record over the 1 MiB limit by its position, never dropping it silently', async () => {
    const run = 'oversized';
    const good = lines(run, 10);
    const big = record(run, 99, 1024 * 1024 + 10);
    const body = [good[0], big, ...good.slice(1)].join('\n');
    await put('landing/oversized.json', body);
    const [result] = await runChain({ bucket: BUCKET, prefix: 'landing/oversized' });
    expect(result).toMatchObject({ read: 11, put: 10, deadLettered: 1, oversized: 1 });
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'oversized', key: 'landing/oversized.json', offset: good[0].length + 1, length: big.length })]);
    const messages = await drainQueue(sqs, queueUrl);
    expect(messages).toEqual([expect.objectContaining({
      type: 'cdk-serverless-data-lake.BatchProducer.DeadLetter',
      reason: 'RECORD_TOO_LARGE',
      streamName: STREAM,
      records: [{ bucket: BUCKET, key: 'landing/oversized.json', offset: good[0].length + 1, length: big.length, gzip: false }],
    })]);
    expect(sorted(await landed(run))).toEqual(sorted(good));
  });

  test.each([
    ['plain (resumed with a ranged GET)', false],
    ['GZIP (read again from the start, decompressed bytes skipped)', true],
  ])('continues an interrupted invocation to the end: %s', async (_, gzip) => {
    const run = `continued-${gzip}`;
    const records = lines(run, 3000, 400);
    const text = records.join('\n');
    await put(`landing/continued-${gzip}.json`, gzip ? gzipSync(text) : text);
    // Each invocation runs out of time after 3 chunks of the object.
    const results = await runChain({ bucket: BUCKET, keys: [`landing/continued-${gzip}.json`] }, 3);
    expect(results.length).toBeGreaterThan(3);
    expect(results.slice(0, -1).every((r) => r.continued)).toBe(true);
    expect(results.at(-1)).toMatchObject({ continued: false, totals: { read: 3000, put: 3000, deadLettered: 0, malformed: 0 } });
    expect(results.reduce((n, r) => n + r.put, 0)).toBe(3000);
    const back = await landed(run);
    expect(back).toHaveLength(3000);
    expect(sorted(back)).toEqual(sorted(records));
  });

  test('continues a prefix of several objects across invocations, each object once', async () => {
    const run = 'continued-prefix';
    const all: string[] = [];
    for (let o = 0; o < 6; o++) {
      const records = lines(run, 400, 300, o * 1000);
      all.push(...records);
      await put(`landing/prefix/part-${o}.json`, o % 2 ? gzipSync(records.join('\n')) : records.join(''));
    }
    const results = await runChain({ bucket: BUCKET, prefix: 'landing/prefix/' }, 2);
    expect(results.length).toBeGreaterThan(6);
    expect(results.at(-1)!.totals).toMatchObject({ read: 2400, put: 2400 });
    expect(sorted(await landed(run))).toEqual(sorted(all));
  });

  test('reads an object larger than the memory given to the handler (160 MiB decompressed) in bounded memory', async () => {
    const run = 'large';
    const recordBytes = 100 * 1024;
    const count = 1640;
    const text = lines(run, count, recordBytes).join('\n');
    const expected = new Map(lines(run, count, recordBytes).map((r) => [sha(r), 1]));
    const compressed = gzipSync(text);
    expect(text.length).toBeGreaterThan(160 * 1024 * 1024);
    await put('landing/large.json.gz', compressed);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    const base = before.heapUsed + before.external;
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.external - base);
    }, 2);
    let result: Result;
    try {
      [result] = await runChain({ bucket: BUCKET, keys: ['landing/large.json.gz'] });
    } finally {
      clearInterval(sampler);
    }
    expect(result!).toMatchObject({ read: count, put: count, malformed: 0 });
    // One record, one 5 MiB batch and its serialized request, a few chunks: far below the object.
    process.stderr.write(`large object: ${(text.length / 2 ** 20).toFixed(0)} MiB decompressed, peak heap+external growth ${(peak / 2 ** 20).toFixed(1)} MiB\n`);
    expect(peak).toBeLessThan(96 * 1024 * 1024);
    const back = (await reader.read()).filter((r) => r.data.subarray(0, 40).toString().includes(`"run":"${run}"`));
    expect(back).toHaveLength(count);
    for (const r of back) expect(expected.has(sha(r.data))).toBe(true);
    expect(new Set(back.map((r) => sha(r.data))).size).toBe(count);
  }, 300_000);

  test('refuses a direct invoke outside what it may read', async () => {
    await expect(handler({ bucket: BUCKET, keys: ['clicks/year=2026/x.parquet'] }, context())).rejects.toThrow(
      /s3:\/\/lake-bucket\/clicks\/year=2026\/x.parquet is outside what this producer may read/,
    );
  });
});
