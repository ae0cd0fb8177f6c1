import { createHash } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const REGION = 'eu-west-1';
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function kinesisClient(endpoint: string): KinesisClient {
  // kinesalite speaks HTTP/1.1 only.
  return new KinesisClient({ region: REGION, endpoint, credentials: CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true });
}

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ region: REGION, endpoint, credentials: CREDENTIALS });
}

export async function createStream(kinesis: KinesisClient, name: string, shards = 2): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`stream ${name} did not become active`);
}

export async function createBucket(s3: S3Client, name: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }));
}

export async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
}

/** Every message of a queue, received and deleted. */
export async function drainQueue(sqs: SQSClient, url: string): Promise<any[]> {
  const out: any[] = [];
  for (let empty = 0; empty < 2;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = r.Messages ?? [];
    if (messages.length === 0) {
      empty++;
      continue;
    }
    for (const m of messages) {
      out.push(JSON.parse(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

/** Reads a stream incrementally: each call returns the records put since the previous one. */
export class StreamReader {
  private readonly last = new Map<string, string>();

  public constructor(private readonly kinesis: KinesisClient, private readonly streamName: string) {}

  public async read(): Promise<Array<{ data: Buffer; partitionKey: string }>> {
    const out: Array<{ data: Buffer; partitionKey: string }> = [];
    const shards = (await this.kinesis.send(new ListShardsCommand({ StreamName: this.streamName }))).Shards ?? [];
    for (const shard of shards) {
      const after = this.last.get(shard.ShardId!);
      let iterator = (await this.kinesis.send(new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shard.ShardId!,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }))).ShardIterator;
      while (iterator) {
        const r = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = r.Records ?? [];
        for (const rec of records) {
          out.push({ data: Buffer.from(rec.Data!), partitionKey: rec.PartitionKey! });
          this.last.set(shard.ShardId!, rec.SequenceNumber!);
        }
        if (records.length === 0) break;
        iterator = r.NextShardIterator;
      }
    }
    return out;
  }
}

/**
 * A stand-in for Lambda's Invoke API on 127.0.0.1: records each asynchronous invocation's
 * payload (the producer's continuations) and answers 202, as Lambda does.
 */
export class InvokeRecorder {
  public readonly payloads: unknown[] = [];
  private server?: http.Server;
  public endpoint = '';

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.payloads.push({
          functionName: decodeURIComponent((req.url ?? '').split('/functions/')[1]?.split('/')[0] ?? ''),
          invocationType: req.headers['x-amz-invocation-type'],
          payload: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        res.writeHead(202, { 'content-type': 'application/json', 'x-amzn-requestid': 'local' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server!.address() as net.AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/* eslint-disable no-bitwise -- mulberry32 is bit arithmetic */
/** Deterministic pseudo-random numbers (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** A JSON record of about `bytes` bytes with a unique id. */
export function record(run: string, id: number, bytes = 200): string {
  const head = JSON.stringify({ run, id, event_type: 'click', user_id: `u${id % 97}`, pad: '' });
  return head.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, bytes - head.length))}"`);
}

export function sha(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
