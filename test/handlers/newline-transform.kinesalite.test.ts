import * as path from 'path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  _Record,
} from '@aws-sdk/client-kinesis';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalKinesis, startKinesalite } from '../support/kinesalite';

// The bundled newline handler (what ships) on records that went through a Kinesis emulator:
// real sequence numbers, partition keys, shard ids and arrival times, turned into the event
// Firehose sends for a Kinesis source, and the delivered bytes checked the way Athena or the
// crawler reads them (split on newlines).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require(path.join(__dirname, '../../assets/newline-transform-firehose/newline-transform.lambda/index.js')) as {
  handler: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
};

const STREAM = 'clicks';
let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startKinesalite();
  await kinesis.client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
  for (let i = 0; i < 50; i++) {
    const d = await kinesis.client.send(new DescribeStreamCommand({ StreamName: STREAM }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the emulated stream did not become active');
});

afterAll(async () => {
  await kinesis?.stop();
});

/** Every record of every shard, from the start of the stream. */
async function readAll(): Promise<Array<{ shardId: string; record: _Record }>> {
  const d = await kinesis.client.send(new DescribeStreamCommand({ StreamName: STREAM }));
  const out: Array<{ shardId: string; record: _Record }> = [];
  for (const shard of d.StreamDescription!.Shards!) {
    const it = await kinesis.client.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator!, Limit: 10_000 }));
    for (const record of got.Records ?? []) out.push({ shardId: shard.ShardId!, record });
  }
  return out;
}

/** The transformation event Firehose builds from Kinesis records. */
function firehoseEvent(records: Array<{ shardId: string; record: _Record }>): FirehoseTransformationEvent {
  return {
    invocationId: '00540a87-5050-496a-84e4-e7d92bbaf5e2',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks-delivery',
    sourceKinesisStreamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${STREAM}`,
    region: 'eu-west-1',
    records: records.map(({ shardId, record }, i) => {
      const arrival = record.ApproximateArrivalTimestamp!.getTime();
      return {
        recordId: `${record.SequenceNumber}${String(i).padStart(6, '0')}`,
        approximateArrivalTimestamp: arrival,
        data: Buffer.from(record.Data!).toString('base64'),
        kinesisRecordMetadata: {
          shardId,
          partitionKey: record.PartitionKey!,
          approximateArrivalTimestamp: arrival,
          sequenceNumber: record.SequenceNumber!,
          subsequenceNumber: '',
        },
      };
    }),
  };
}

describe('GIVEN records put into a Kinesis stream', () => {
  const payloads: Buffer[] = [
    Buffer.from('{"event":"click","page":"/"}'),
    Buffer.from('{"event":"view","page":"/ü/ñ/日本"}'),
    Buffer.from('{"already":"delimited"}\n'),
    Buffer.from('{"crlf":true}\r\n'),
    Buffer.from(JSON.stringify({ event: 'large', body: 'x'.repeat(100 * 1024) })),
    Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]),
    Buffer.from('{"n":1}'),
    Buffer.from('{"n":22}'),
    Buffer.from('{"n":333}'),
  ];

  test('WHEN Firehose hands them to the bundled handler THEN every record comes back once, in order, newline-delimited and byte for byte', async () => {
    const put = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: payloads.map((p, i) => ({ Data: p, PartitionKey: `user-${i}` })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);

    const records = await readAll();
    expect(records).toHaveLength(payloads.length);
    const event = firehoseEvent(records);
    // The event travels as JSON, as Lambda delivers it.
    const response = await handler(JSON.parse(JSON.stringify(event)));
    const reply = JSON.parse(JSON.stringify(response)) as FirehoseTransformationResult;

    expect(reply.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(reply.records.every((r) => r.result === 'Ok')).toBe(true);
    for (const [i, out] of reply.records.entries()) {
      const original = Buffer.from(event.records[i].data, 'base64');
      const delivered = Buffer.from(out.data!, 'base64');
      const expected = original.at(-1) === 0x0a ? original : Buffer.concat([original, Buffer.from('\n')]);
      expect(delivered.equals(expected)).toBe(true);
    }

    // What lands in S3 (Firehose concatenates the records of a buffer): one JSON object per line.
    const text = reply.records
      .filter((_, i) => records[i].record.PartitionKey !== 'user-5') // the binary record is not JSON
      .map((r) => Buffer.from(r.data!, 'base64').toString('utf-8'))
      .join('');
    const lines = text.split('\n').filter((l) => l.length > 0).map((l) => l.replace(/\r$/, ''));
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      records.filter((r) => r.record.PartitionKey !== 'user-5').map((r) => JSON.parse(Buffer.from(r.record.Data!).toString('utf-8'))),
    );
  });
});
