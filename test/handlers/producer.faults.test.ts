import { DeleteStreamCommand, KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { produce, ProducerConfig } from '../../src/batch-trigger/producer';
import { LocalKinesis, startKinesalite } from '../support/kinesalite';
import { LocalMoto, startMoto } from '../support/moto';
import { createBucket, createQueue, createStream, drainQueue, record, s3Client, seeded, sqsClient, StreamReader } from '../support/producer-harness';

// kinesalite never fails an entry of PutRecords and never throttles. Here an SDK middleware on
// the producer's Kinesis client does, at random under a seed: it throws
// ProvisionedThroughputExceededException for whole calls, or takes entries out of a call before it
// is sent (they are really not written) and answers for them with per-entry ErrorCodes
// (ProvisionedThroughputExceededException, InternalFailure), as Kinesis does. Over many seeds,
// every record must end up exactly once in the stream or in the dead-letter queue: none lost,
// and none duplicated, since no injected failure writes anything.

const BUCKET = 'faults-bucket';

interface Injection {
  readonly random: () => number;
  readonly throwRate: number;
  readonly failRate: number;
  calls: number;
  injected: number;
}

let kinesalite: LocalKinesis;
let moto: LocalMoto;
let s3: S3Client;
let sqs: SQSClient;
let queueUrl: string;
let injection: Injection | undefined;

function faultyKinesis(): KinesisClient {
  const client = kinesalite.client;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand' || injection === undefined) return next(args);
      const inj = injection;
      inj.calls++;
      const input = args.input as PutRecordsCommandInput;
      if (inj.random() < inj.throwRate) {
        inj.injected += input.Records!.length;
        throw Object.assign(new Error('Rate exceeded for stream under test'), { name: 'ProvisionedThroughputExceededException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      }
      const fail = input.Records!.map(() => inj.random() < inj.failRate);
      const failures = fail.filter(Boolean).length;
      if (failures === 0) return next(args);
      inj.injected += failures;
      const keep = input.Records!.filter((_, i) => !fail[i]);
      const sent = keep.length > 0
        ? await next({ ...args, input: { ...input, Records: keep } })
        : { output: { Records: [], FailedRecordCount: 0, $metadata: {} } as unknown as PutRecordsCommandOutput, response: {} };
      const output = sent.output as PutRecordsCommandOutput;
      let k = 0;
      const records = input.Records!.map((_, i) => (fail[i]
        ? { ErrorCode: inj.random() < 0.7 ? 'ProvisionedThroughputExceededException' : 'InternalFailure', ErrorMessage: 'injected' }
        : output.Records![k++]));
      return { ...sent, output: { ...output, Records: records, FailedRecordCount: (output.FailedRecordCount ?? 0) + failures } } as typeof sent;
    },
    { step: 'initialize', name: 'injectKinesisFaults' },
  );
  return client;
}

beforeAll(async () => {
  [kinesalite, moto] = await Promise.all([startKinesalite(), startMoto()]);
  s3 = s3Client(moto.endpoint);
  sqs = sqsClient(moto.endpoint);
  await createBucket(s3, BUCKET);
  queueUrl = await createQueue(sqs, 'faults-dlq');
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await kinesalite?.stop();
  await moto?.stop();
});

describe('injected partial failures and throttling', () => {
  test('over many seeds every record lands once, in the stream or the dead-letter queue, and delays follow full jitter', async () => {
    const kinesis = faultyKinesis();
    const clients = { kinesis, s3, sqs, lambda: new LambdaClient({ region: 'eu-west-1' }) };
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 50, max: 1500 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        async (seed, count, maxAttempts, throwRate, failRate) => {
          runs++;
          const stream = `faults-${runs}`;
          await createStream(kinesis, stream, 2);
          const originals = Array.from({ length: count }, (_, i) => record(stream, i, 150 + (i % 7) * 40));
          const key = `landing/${stream}.json`;
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: originals.join('\n') }));
          const config: ProducerConfig = {
            streamName: stream,
            deadLetterQueueUrl: queueUrl,
            retry: { maxAttempts, baseDelayMs: 100, maxDelayMs: 2000 },
            continueBeforeMs: 0,
            maxContinuations: 10,
            readable: [{ bucket: BUCKET, prefix: 'landing/' }],
          };
          const delays: Array<{ ms: number }> = [];
          const inj: Injection = { random: seeded(seed), throwRate, failRate, calls: 0, injected: 0 };
          injection = inj;
          let result;
          try {
            result = await produce(clients, config, { bucket: BUCKET, keys: [key] }, {
              functionName: 'producer',
              invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:producer',
              getRemainingTimeInMillis: () => 600_000,
            }, { sleep: async (ms) => void delays.push({ ms }), random: seeded(seed + 1), log: () => undefined, emitMetrics: () => undefined });
          } finally {
            injection = undefined;
          }
          const inStream = (await new StreamReader(kinesis, stream).read()).map((r) => r.data.toString('utf8'));
          const dead = (await drainQueue(sqs, queueUrl))
            .filter((m) => m.streamName === stream)
            .flatMap((m) => m.records.map((r: { data: string }) => Buffer.from(r.data, 'base64').toString('utf8')));
          await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
          const landed = [...inStream, ...dead].sort();
          expect(landed).toEqual([...originals].sort());
          expect(new Set(inStream).size).toBe(inStream.length);
          expect(result).toMatchObject({ read: count, put: inStream.length, deadLettered: dead.length, malformed: 0 });
          // Every injected failure of an entry was either retried or, on its last attempt, dead-lettered.
          expect(result.retried + dead.length).toBe(inj.injected);
          for (const d of delays) expect(d.ms).toBeLessThanOrEqual(2000);
        },
      ),
      { numRuns: 40, seed: 20261127 },
    );
    expect(runs).toBe(40);
  }, 600_000);
});
