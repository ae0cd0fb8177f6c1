import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PartitionLayout } from '../../src';
import { JsonSplitter, SplitMode } from '../../src/batch-trigger/json-splitter';
import { isRetryable, recordBytes } from '../../src/batch-trigger/kinesis-writer';
import { isFirehoseErrorRecord, itemsOf, metricsLine, producerConfigFromEnvironment, workFromEvent } from '../../src/batch-trigger/producer';
import { prefixesOver, replayPrefixes, replayProblems } from '../../src/batch-trigger/replay-prefixes';

type Seg = ['value', number, string] | ['malformed', number, number] | ['oversized', number, number];

/** Splits `text` pushed in the given chunk sizes; returns the segments and the splitter. */
function split(text: string | Buffer, chunkSizes: number[] = [], max = 1024 * 1024, start = 0, mode?: SplitMode) {
  const out: Seg[] = [];
  const s = new JsonSplitter({
    value: (offset, data) => out.push(['value', offset, data.toString('utf8')]),
    malformed: (offset, length) => out.push(['malformed', offset, length]),
    oversized: (offset, length) => out.push(['oversized', offset, length]),
  }, max, start, mode);
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  let i = 0;
  let c = 0;
  while (i < buf.length) {
    const n = chunkSizes.length ? Math.max(1, chunkSizes[c++ % chunkSizes.length]) : buf.length;
    s.push(buf.subarray(i, i + n));
    i += n;
  }
  s.end();
  return { out, splitter: s };
}

describe('JsonSplitter', () => {
  test('splits newline-delimited JSON, with CRLF and blank lines', () => {
    expect(split('{"a":1}\r\n\n{"a":2}\n[3]\n').out).toEqual([['value', 0, '{"a":1}'], ['value', 10, '{"a":2}'], ['value', 18, '[3]']]);
  });

  test('splits concatenated JSON with no delimiter, braces in strings and escaped quotes included', () => {
    const text = '{"a":"}{"}{"b":"\\"}"}{"c":{"d":[1,{"e":2}]}}';
    expect(split(text).out.map((s) => s[2])).toEqual(['{"a":"}{"}', '{"b":"\\"}"}', '{"c":{"d":[1,{"e":2}]}}']);
  });

  test('splits pretty-printed concatenated JSON (newlines inside values)', () => {
    const a = JSON.stringify({ a: 1, b: [1, 2] }, null, 2);
    const { out, splitter } = split(`${a}${a}\n${a}`);
    expect(out.map((s) => s[0])).toEqual(['value', 'value', 'value']);
    expect(splitter.mode).toBe('concatenated');
  });

  test('reports a truncated line and a non-JSON line of JSON lines, and reads on', () => {
    const text = '{"a":1}\n{"a":2,"b\nhello\n{"a":3}\n{"a": }\n';
    expect(split(text).out).toEqual([
      ['value', 0, '{"a":1}'],
      ['malformed', 8, 9],
      ['malformed', 18, 5],
      ['value', 24, '{"a":3}'],
      ['malformed', 32, 7],
    ]);
  });

  test('reads a broken first line as JSON lines from the next line on', () => {
    const text = '{"a":1,"b\n{"a":2}\n{"a":3}\n';
    expect(split(text).out).toEqual([['malformed', 0, 9], ['value', 10, '{"a":2}'], ['value', 18, '{"a":3}']]);
  });

  test('keeps scalar lines that parse, and a UTF-8 byte-order mark is whitespace', () => {
    expect(split(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('42\n"text"\ntrue\n{"a":1}')])).out.map((s) => s[2])).toEqual(['42', '"text"', 'true', '{"a":1}']);
  });

  test('reports a value over the limit as oversized without buffering it, and one that never ends as malformed', () => {
    const big = `{"p":"${'x'.repeat(5000)}"}`;
    expect(split(`{"a":1}\n${big}\n{"a":2}`, [700], 1000).out).toEqual([['value', 0, '{"a":1}'], ['oversized', 8, big.length], ['value', 9 + big.length, '{"a":2}']]);
    expect(split('{"a":1}{"b":[1,2', [3]).out).toEqual([['value', 0, '{"a":1}'], ['malformed', 7, 9]]);
  });

  test('finds the same segments whatever the chunk boundaries (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.constantFrom('garbage', '{"cut":', '}')), { minLength: 1, maxLength: 20 }),
      fc.constantFrom('\n', '', ' '),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
      (values, sep, chunks) => {
        const text = values.join(sep);
        expect(split(text, chunks).out).toEqual(split(text).out);
      },
    ), { numRuns: 300 });
  });

  test('every value found in JSON lines is one of the lines that parse (property)', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue().map((v) => JSON.stringify(v)), { minLength: 1, maxLength: 30 }), (values) => {
      expect(split(values.join('\n')).out).toEqual(values.map((v, i) => ['value', values.slice(0, i).reduce((n, x) => n + Buffer.byteLength(x) + 1, 0), v]));
    }), { numRuns: 300 });
  });

  test('a read resumed at the boundary, with the mode, finds the rest exactly', () => {
    const text = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: 'y'.repeat(i) })).join('\n');
    const whole = split(text).out;
    const first: Seg[] = [];
    const s = new JsonSplitter({ value: (o, d) => first.push(['value', o, d.toString()]), malformed: () => undefined, oversized: () => undefined }, 1024 * 1024);
    s.push(Buffer.from(text.slice(0, 700)));
    const resumed = split(Buffer.from(text).subarray(s.boundary), [], 1024 * 1024, s.boundary, s.mode).out;
    expect([...first, ...resumed]).toEqual(whole);
  });
});

describe('replay prefixes', () => {
  const layout = PartitionLayout.hourly();

  test('an hourly range gives each overlapped hour once, from the layout\'s raw-backup prefix', () => {
    expect(prefixesOver(layout.backupPrefix('clicks'), Date.parse('2026-11-27T22:30:00Z'), Date.parse('2026-11-28T01:00:00Z'))).toEqual([
      'raw/clicks/year=2026/month=11/day=27/hour=22/',
      'raw/clicks/year=2026/month=11/day=27/hour=23/',
      'raw/clicks/year=2026/month=11/day=28/hour=00/',
    ]);
  });

  test('a daily layout gives days, and a time zone shifts the periods', () => {
    expect(prefixesOver(PartitionLayout.daily().backupPrefix('t'), Date.parse('2026-12-31T20:00:00Z'), Date.parse('2027-01-01T01:00:00Z'))).toEqual([
      'raw/t/year=2026/month=12/day=31/', 'raw/t/year=2027/month=01/day=01/',
    ]);
    expect(prefixesOver(layout.backupPrefix('t'), Date.parse('2026-06-01T22:00:00Z'), Date.parse('2026-06-01T23:00:00Z'), 'Europe/Berlin')).toEqual([
      'raw/t/year=2026/month=06/day=02/hour=00/',
    ]);
    expect(prefixesOver(layout.backupPrefix('t'), Date.parse('2026-06-01T00:00:00Z'), Date.parse('2026-06-01T01:00:00Z'), 'Asia/Kolkata')).toEqual([
      'raw/t/year=2026/month=06/day=01/hour=05/', 'raw/t/year=2026/month=06/day=01/hour=06/',
    ]);
  });

  test('the error output gives every error type', () => {
    const config = { bucket: 'b', timeZone: 'UTC', tables: { clicks: { raw: layout.backupPrefix('clicks'), errors: layout.errorPrefix('clicks') } } };
    expect(replayPrefixes(config, { table: 'clicks', from: '2026-11-27T03:00:00Z', to: '2026-11-27T04:00:00Z', source: 'errors' })).toEqual([
      'errors/clicks/processing-failed/year=2026/month=11/day=27/hour=03/',
      'errors/clicks/format-conversion-failed/year=2026/month=11/day=27/hour=03/',
    ]);
  });

  test('reports every problem of a request', () => {
    expect(replayProblems({ tables: { clicks: { raw: '', errors: '' } } }, { table: 'views', from: 'yesterday', to: '2026-11-27T00:00:00Z', source: 'all' as never })).toEqual([
      'replay table must be one of \'clicks\', got "views": add the table to the BatchTrigger\'s replay tables',
      'replay from must be an ISO 8601 instant, got "yesterday": e.g. \'2026-11-27T03:00:00Z\'',
      'replay source must be \'raw\' or \'errors\', got "all"',
    ]);
  });
});

describe('events and configuration', () => {
  const config = producerConfigFromEnvironment({ STREAM_NAME: 's', DEAD_LETTER_QUEUE_URL: 'q', READABLE: '[{"bucket":"b","prefix":"landing/"}]' });

  test('reads the defaults: 10 attempts, 100 ms to 5 s of backoff, a minute of margin, random keys', () => {
    expect(config).toEqual({
      streamName: 's',
      deadLetterQueueUrl: 'q',
      partitionKeyPath: undefined,
      retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 5000 },
      continueBeforeMs: 60_000,
      maxContinuations: 1000,
      readable: [{ bucket: 'b', prefix: 'landing/' }],
      replay: undefined,
    });
  });

  test('fails a bad environment with every problem', () => {
    expect(() => producerConfigFromEnvironment({ MAX_ATTEMPTS: '0', PARTITION_KEY_FIELD: 'a..b', READABLE: 'nope' })).toThrow(
      /STREAM_NAME must be set[\s\S]*DEAD_LETTER_QUEUE_URL must be set[\s\S]*PARTITION_KEY_FIELD[\s\S]*MAX_ATTEMPTS must be a whole number from 1 to 100, got '0'[\s\S]*READABLE must be JSON/,
    );
  });

  test('an S3 notification gives its URL-decoded keys; removals and test events give nothing', () => {
    const event = {
      Records: [
        { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'landing/a+b%3D1.json' } } },
        { eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'landing/x' } } },
      ],
    };
    expect(workFromEvent(event, config)).toEqual({ work: { items: [{ bucket: 'b', key: 'landing/a b=1.json' }], fromEvent: true } });
    expect(workFromEvent({ Event: 's3:TestEvent' }, config)).toEqual({ work: { items: [], fromEvent: true } });
  });

  test('an SQS batch of EventBridge events gives each key, with its decoded reading as an alternative', () => {
    const body = JSON.stringify({ 'source': 'aws.s3', 'detail-type': 'Object Created', 'detail': { bucket: { name: 'b' }, object: { key: 'landing/k%3D1' } } });
    expect(workFromEvent({ Records: [{ eventSource: 'aws:sqs', messageId: 'm', body }] }, config)).toEqual({
      work: { items: [{ bucket: 'b', key: 'landing/k%3D1', alternativeKeys: ['landing/k=1'] }], fromEvent: true },
    });
  });

  test('direct invokes: keys, a prefix with times, a scheduled window', () => {
    expect(itemsOf((workFromEvent({ bucket: 'b', keys: ['landing/1', 'landing/2'] }, config) as { work: never }).work, config)).toEqual([{ bucket: 'b', key: 'landing/1' }, { bucket: 'b', key: 'landing/2' }]);
    expect(workFromEvent({ bucket: 'b', prefix: 'landing/', modifiedAfter: '2026-11-27T00:00:00Z' }, config)).toEqual({
      work: { items: [{ bucket: 'b', prefix: 'landing/', modifiedAfter: '2026-11-27T00:00:00Z', modifiedBefore: undefined }] },
    });
    expect(workFromEvent({ bucket: 'b', prefix: 'landing/', window: { end: '2026-11-27T05:00:00Z', seconds: 3600 } }, config)).toEqual({
      work: { items: [{ bucket: 'b', prefix: 'landing/', modifiedAfter: '2026-11-27T04:00:00.000Z', modifiedBefore: '2026-11-27T05:00:00.000Z' }] },
    });
  });

  test('fails a direct invoke with both keys and prefix, too many keys, or a replay without replay configured', () => {
    expect(() => workFromEvent({ bucket: 'b', keys: ['a'], prefix: 'p' }, config)).toThrow(/names either keys .* or prefix, got both/);
    expect(() => workFromEvent({ bucket: 'b', keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }, config)).toThrow(/at most 100 objects, got 101/);
    expect(() => workFromEvent({ replay: { table: 'clicks' } }, config)).toThrow(/replay needs the BatchTrigger's replay option/);
    expect(() => workFromEvent({ hello: 1 }, config)).toThrow(/is not an S3 event notification/);
  });

  test('recognizes Firehose error records of both kinds, and nothing else', () => {
    expect(isFirehoseErrorRecord({ attemptsMade: 4, errorCode: 'Lambda.FunctionError', rawData: 'e30=' })).toBe(true);
    expect(isFirehoseErrorRecord({ attemptsMade: 1, lastErrorCode: 'DataFormatConversion.MalformedData', rawData: 'e30=' })).toBe(true);
    expect(isFirehoseErrorRecord({ rawData: 'e30=' })).toBe(false);
    expect(isFirehoseErrorRecord([1])).toBe(false);
  });
});

describe('writer helpers and metrics', () => {
  test('retries throttling, internal and network errors, not access or validation errors', () => {
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
  });

  test('a record counts its data and its partition key in UTF-8', () => {
    expect(recordBytes({ data: Buffer.alloc(10), partitionKey: 'abc' })).toBe(13);
    expect(recordBytes({ data: Buffer.alloc(10), partitionKey: 'é' })).toBe(12);
  });

  test('publishes one embedded-metric-format line per invocation', () => {
    expect(JSON.parse(metricsLine('producer', { read: 5, put: 4, retried: 2, deadLettered: 1, malformed: 3, oversized: 1 }, 1))).toEqual({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [{
          Namespace: 'cdk-serverless-data-lake/BatchProducer',
          Dimensions: [['FunctionName']],
          Metrics: ['RecordsRead', 'RecordsPut', 'RecordsRetried', 'RecordsDeadLettered', 'MalformedRecords', 'OversizedRecords'].map((Name) => ({ Name, Unit: 'Count' })),
        }],
      },
      FunctionName: 'producer',
      RecordsRead: 5,
      RecordsPut: 4,
      RecordsRetried: 2,
      RecordsDeadLettered: 1,
      MalformedRecords: 3,
      OversizedRecords: 1,
    });
  });
});
