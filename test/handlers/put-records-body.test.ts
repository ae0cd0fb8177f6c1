import { createHash, createHmac } from 'crypto';
import { Readable } from 'stream';
import { KinesisClient, PutRecordCommand, PutRecordsCommand, PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { handles, putRecordsBody, sendPutRecordsWithPrebuiltBody } from '../../src/batch-trigger/put-records-body';

// The producer writes the body of PutRecords itself (src/batch-trigger/put-records-body.ts) and
// leaves the rest of the call to the SDK. Here the request each client would put on the wire is
// captured at its HTTP handler (and never sent): the body must say exactly what the SDK's own
// serializer says for the same input, the headers must be the SDK's, and the SigV4 signature,
// recomputed here from the captured bytes by an independent implementation, must cover that body.

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SENT = 'request captured, not sent';

interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** A Kinesis client whose HTTP handler is `handle` (nothing leaves the process), with the producer's body or the SDK's. */
function clientWith(prebuilt: boolean, handle: (request: WireRequest) => Promise<unknown>): KinesisClient {
  const client = new KinesisClient({
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    endpoint: 'https://kinesis.eu-west-1.amazonaws.com',
    maxAttempts: 1,
    requestHandler: { handle } as never,
  });
  if (prebuilt) sendPutRecordsWithPrebuiltBody(client);
  return client;
}

function capturingClient(prebuilt: boolean, captured: Captured[]): KinesisClient {
  return clientWith(prebuilt, async (request) => {
    const b = request.body;
    const body = b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(String(b), 'utf8');
    captured.push({ method: request.method, path: request.path, headers: { ...request.headers }, body });
    throw new Error(SENT);
  });
}

async function capture(client: KinesisClient, command: PutRecordsCommand | PutRecordCommand, into: Captured[]): Promise<Captured> {
  await expect(client.send(command as PutRecordsCommand)).rejects.toThrow(SENT);
  return into[into.length - 1];
}

/** SigV4 of a captured request, computed from its bytes (the canonical request of the SigV4 documentation). */
function expectedAuthorization(req: Captured, region: string, service: string): string {
  const auth = req.headers.authorization;
  const signed = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
  const amzDate = req.headers['x-amz-date'];
  const date = amzDate.slice(0, 8);
  const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  const canonical = [
    req.method,
    req.path,
    '',
    ...signed.map((h) => `${h}:${String(lower[h]).trim().replace(/\s+/g, ' ')}`),
    '',
    signed.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${CREDENTIALS.secretAccessKey}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}

const partitionKey = fc.oneof(
  fc.uuid(),
  fc.string({ minLength: 1, maxLength: 256 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
  // any UTF-16 code unit, so lone surrogates too (JSON.stringify escapes them; so must the body)
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 }),
  fc.constantFrom('"', '\\', '\u0000', '\n', '\u2028', 'ü', '😀', '</script>'),
);
const records = fc.array(fc.record({
  Data: fc.uint8Array({ maxLength: 3000 }),
  PartitionKey: partitionKey,
  ExplicitHashKey: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), { nil: undefined }),
}, { requiredKeys: ['Data', 'PartitionKey'] }), { maxLength: 40 });
const stream = fc.oneof(
  fc.record({ StreamName: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/) }),
  fc.record({ StreamARN: fc.constant('arn:aws:kinesis:eu-west-1:123456789012:stream/clicks') }),
);

describe('the PutRecords body the producer writes', () => {
  test('says what the SDK serializer says, with the SDK\'s headers and a signature over it, for any records', async () => {
    const sdkRequests: Captured[] = [];
    const ownRequests: Captured[] = [];
    const sdk = capturingClient(false, sdkRequests);
    const own = capturingClient(true, ownRequests);
    await fc.assert(fc.asyncProperty(stream, records, async (target, recs) => {
      const Records = recs.map((r) => (r.ExplicitHashKey === undefined ? { Data: r.Data, PartitionKey: r.PartitionKey } : r));
      const input: PutRecordsCommandInput = { ...target, Records };
      expect(handles(input)).toBe(true);
      const theirs = await capture(sdk, new PutRecordsCommand(input), sdkRequests);
      const ours = await capture(own, new PutRecordsCommand(input), ownRequests);
      expect(ours.body).not.toBe(theirs.body); // two serializations, not one
      expect(ours.body.toString('utf8')).toBe(theirs.body.toString('utf8'));
      expect(ours.body.equals(theirs.body)).toBe(true);
      const strip = (h: Record<string, string>) => {
        const { authorization, 'x-amz-date': _date, 'amz-sdk-invocation-id': _id, 'content-length': length, 'x-amz-content-sha256': hash, ...rest } = h;
        return { rest, length, hash, signed: /SignedHeaders=([^,]+)/.exec(authorization)![1] };
      };
      const [o, t] = [strip(ours.headers), strip(theirs.headers)];
      expect(o.rest).toEqual(t.rest);
      expect(o.signed).toEqual(t.signed);
      expect(o.length).toBe(String(ours.body.length));
      expect(o.hash).toBe(createHash('sha256').update(ours.body).digest('hex'));
      expect(t.hash).toBe(createHash('sha256').update(theirs.body).digest('hex'));
      expect(ours.headers.authorization).toBe(expectedAuthorization(ours, 'eu-west-1', 'kinesis'));
      expect(theirs.headers.authorization).toBe(expectedAuthorization(theirs, 'eu-west-1', 'kinesis'));
    }), { numRuns: 150 });
    expect(ownRequests.length).toBe(150);
  });

  test('writes Data as standard Base64 and keys escaped as JSON, in one buffer', () => {
    const body = putRecordsBody({
      StreamName: 'clicks',
      Records: [
        { Data: Buffer.from([0xfb, 0xff, 0x00]), PartitionKey: 'a"b\\c' },
        { Data: new Uint8Array([104, 105]), PartitionKey: 'ü', ExplicitHashKey: '42' },
        { Data: new Uint8Array(0), PartitionKey: 'k' },
      ],
    });
    expect(body.toString('utf8')).toBe(
      '{"Records":[{"Data":"+/8A","PartitionKey":"a\\"b\\\\c"},{"Data":"aGk=","ExplicitHashKey":"42","PartitionKey":"ü"},'
      + '{"Data":"","PartitionKey":"k"}],"StreamName":"clicks"}',
    );
  });

  test('leaves inputs it does not write, and every other command, to the SDK', async () => {
    expect(handles({ StreamName: 's', Records: [{ Data: new Uint8Array(1), PartitionKey: 'k', Unknown: 1 } as never] })).toBe(false);
    expect(handles({ StreamName: 's', Records: [], Extra: 'x' } as never)).toBe(false);
    expect(handles({ StreamName: 's', Records: [{ Data: 'text' as never, PartitionKey: 'k' }] })).toBe(false);
    expect(handles({ StreamName: 's', Records: [{ Data: new Uint8Array(1) } as never] })).toBe(false);
    expect(handles({ StreamName: 's' } as never)).toBe(false);

    const sdkRequests: Captured[] = [];
    const ownRequests: Captured[] = [];
    const sdk = capturingClient(false, sdkRequests);
    const own = capturingClient(true, ownRequests);
    const single = { StreamName: 's', Data: Buffer.from('{"a":1}'), PartitionKey: 'k' };
    const a = await capture(own, new PutRecordCommand(single), ownRequests);
    const b = await capture(sdk, new PutRecordCommand(single), sdkRequests);
    expect(a.body.toString('utf8')).toBe(b.body.toString('utf8'));
    expect(a.headers['x-amz-target']).toBe('Kinesis_20131202.PutRecord');
  });

  test('is installed once per client, however many writers use it', async () => {
    const captured: Captured[] = [];
    const client = capturingClient(true, captured);
    const before = client.middlewareStack.identify().length;
    sendPutRecordsWithPrebuiltBody(client);
    sendPutRecordsWithPrebuiltBody(client);
    expect(client.middlewareStack.identify().length).toBe(before);
    expect(client.middlewareStack.identify().filter((m) => m.startsWith('prebuiltPutRecordsBody'))).toHaveLength(2);
    const req = await capture(client, new PutRecordsCommand({ StreamName: 's', Records: [{ Data: Buffer.from('x'), PartitionKey: 'k' }] }), captured);
    expect(req.body.toString('utf8')).toBe('{"Records":[{"Data":"eA==","PartitionKey":"k"}],"StreamName":"s"}');
  });
});

interface Seen {
  readonly arrayBuffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly length: number;
  /** The body when the handler got it, and when it answered: a buffer written over in flight differs. */
  readonly text: string;
  textAtAnswer?: string;
}

describe('the body buffer the producer reuses', () => {
  /** A client whose HTTP handler answers PutRecords with success after `delayMs`, or fails when `fail` says so. */
  function answeringClient(seen: Seen[], fail: () => boolean, delayMs = 0): KinesisClient {
    return clientWith(true, async (request) => {
      const body = request.body as Buffer;
      // The text is copied now: once the call succeeds the buffer is written over by the next one.
      const entry: Seen = { arrayBuffer: body.buffer, byteOffset: body.byteOffset, length: body.length, text: body.toString('utf8') };
      seen.push(entry);
      const n = (JSON.parse(entry.text) as { Records: unknown[] }).Records.length;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      entry.textAtAnswer = body.toString('utf8');
      if (fail()) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      const entries = Array.from({ length: n }, (_, i) => ({ SequenceNumber: String(1000 + i), ShardId: 'shardId-000000000000' }));
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify({ FailedRecordCount: 0, Records: entries }))]),
        },
      };
    });
  }
  const input = (tag: string, n: number): PutRecordsCommandInput => ({
    StreamName: 's',
    Records: Array.from({ length: n }, (_, i) => ({ Data: Buffer.from(`{"tag":"${tag}","i":${i}}`), PartitionKey: `${tag}-${i}` })),
  });
  const expected = (i: PutRecordsCommandInput) => putRecordsBody(i).toString('utf8');

  test('is the same memory from one successful call to the next, each body right', async () => {
    const seen: Seen[] = [];
    const client = answeringClient(seen, () => false);
    const inputs = [input('a', 3), input('b', 500), input('c', 1)];
    for (const i of inputs) {
      const out = await client.send(new PutRecordsCommand(i));
      expect(out.FailedRecordCount).toBe(0);
      expect(out.Records).toHaveLength(i.Records!.length);
    }
    expect(seen.map((s) => s.text)).toEqual(inputs.map(expected));
    expect(new Set(seen.map((s) => s.arrayBuffer)).size).toBe(1);
    expect(seen.map((s) => s.byteOffset)).toEqual([0, 0, 0]);
  });

  test('is not shared by concurrent calls on one client', async () => {
    const seen: Seen[] = [];
    const client = answeringClient(seen, () => false, 20);
    // Records of 2 KB, so that no body comes from Node's pool of small buffers.
    const big = (tag: string, n: number): PutRecordsCommandInput => ({
      StreamName: 's',
      Records: Array.from({ length: n }, (_, i) => ({ Data: Buffer.from(JSON.stringify({ tag, i, pad: 'x'.repeat(2048) })), PartitionKey: `${tag}-${i}` })),
    });
    const inputs = [big('a', 10), big('b', 20), big('c', 30)];
    await Promise.all(inputs.map((i) => client.send(new PutRecordsCommand(i))));
    expect(seen.map((s) => s.text).sort()).toEqual(inputs.map(expected).sort());
    for (const s of seen) expect(s.textAtAnswer).toBe(s.text);
    for (const a of seen) {
      for (const b of seen) {
        const apart = a.byteOffset + a.length <= b.byteOffset || b.byteOffset + b.length <= a.byteOffset;
        if (a !== b && a.arrayBuffer === b.arrayBuffer) expect(apart).toBe(true);
      }
    }
  });

  test('is dropped after a failed call, whose socket may still hold it', async () => {
    const seen: Seen[] = [];
    let failNext = true;
    const client = answeringClient(seen, () => {
      const f = failNext;
      failNext = false;
      return f;
    });
    await expect(client.send(new PutRecordsCommand(input('a', 5)))).rejects.toThrow('socket hang up');
    await client.send(new PutRecordsCommand(input('b', 5)));
    await client.send(new PutRecordsCommand(input('c', 5)));
    expect(seen.map((s) => s.text)).toEqual([input('a', 5), input('b', 5), input('c', 5)].map(expected));
    expect(seen[1].arrayBuffer).not.toBe(seen[0].arrayBuffer);
    expect(seen[2].arrayBuffer).toBe(seen[1].arrayBuffer);
  });
});
