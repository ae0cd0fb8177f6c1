// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import type { KinesisClient, PutRecordsCommandInput } from '@aws-sdk/client-kinesis';

/**
 * The body of `PutRecords`, written by hand into one buffer, in place of the SDK's generic
 * serializer, which encodes every record's data with a Base64 writer of its own and costs more
 * than everything else the producer does per record together (a quarter of its CPU in a profile).
 * The rest of the call stays the SDK's: endpoint resolution (`AWS_ENDPOINT_URL_KINESIS`),
 * credentials, SigV4 signing of this body, the HTTP handler, error parsing, the response.
 *
 * The wire format is the AWS JSON 1.1 protocol of Kinesis: `Data` is a blob (Base64 in a JSON
 * string), `PartitionKey` and `ExplicitHashKey` are strings.
 *
 * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 * @see https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 */

const STREAM_FIELDS = new Set(['StreamName', 'StreamARN', 'Records']);
const RECORD_FIELDS = new Set(['Data', 'PartitionKey', 'ExplicitHashKey']);

/** Whether every member is one this serializer writes (anything else is left to the SDK). */
export function handles(input: PutRecordsCommandInput): boolean {
  for (const k of Object.keys(input)) if (!STREAM_FIELDS.has(k)) return false;
  if (!Array.isArray(input.Records)) return false;
  for (const r of input.Records) {
    if (!(r.Data instanceof Uint8Array) || typeof r.PartitionKey !== 'string') return false;
    for (const k of Object.keys(r)) if (!RECORD_FIELDS.has(k)) return false;
  }
  return true;
}

/** Whether a string can be written as it is between JSON quotes, one byte per character. */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** A JSON string member's value: the string quoted as it is when plain, else `JSON.stringify`'s escaping. */
class JsonString {
  public readonly json: string | undefined;
  public readonly bytes: number;
  public constructor(public readonly value: string) {
    this.json = plain(value) ? undefined : JSON.stringify(value);
    this.bytes = this.json === undefined ? value.length + 2 : Buffer.byteLength(this.json);
  }
  public writeTo(buf: Buffer, offset: number): number {
    if (this.json !== undefined) return offset + buf.write(this.json, offset, 'utf8');
    buf[offset] = 0x22;
    const end = offset + 1 + buf.write(this.value, offset + 1, 'latin1');
    buf[end] = 0x22;
    return end + 1;
  }
}

const DATA = '{"Data":"';
const EXPLICIT_HASH_KEY = '","ExplicitHashKey":';
const PARTITION_KEY = '","PartitionKey":';
const PARTITION_KEY_AFTER_HASH_KEY = ',"PartitionKey":';

/**
 * `{"Records":[{"Data":"<base64>","PartitionKey":…},…],"StreamName":…}` as UTF-8 bytes, written
 * into one buffer of the exact size: each record's Base64 is the only string made per record. The
 * members are in the order of the service model, as the SDK writes them, so the bytes are the SDK's.
 */
export function putRecordsBody(input: PutRecordsCommandInput, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let tail = '';
  if (input.StreamName !== undefined) tail += `,"StreamName":${JSON.stringify(input.StreamName)}`;
  if (input.StreamARN !== undefined) tail += `,"StreamARN":${JSON.stringify(input.StreamARN)}`;
  tail = `]${tail}}`;
  const start = '{"Records":[';
  const records = input.Records ?? [];
  const keys: JsonString[] = new Array(records.length);
  const hashKeys: Array<JsonString | undefined> = new Array(records.length);
  let size = start.length + Buffer.byteLength(tail);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const key = new JsonString(r.PartitionKey as string);
    const hashKey = r.ExplicitHashKey === undefined ? undefined : new JsonString(r.ExplicitHashKey);
    keys[i] = key;
    hashKeys[i] = hashKey;
    size += (i === 0 ? 0 : 1) + DATA.length + 4 * Math.ceil((r.Data as Uint8Array).byteLength / 3) + key.bytes + 1
      + (hashKey === undefined ? PARTITION_KEY.length : EXPLICIT_HASH_KEY.length + hashKey.bytes + PARTITION_KEY_AFTER_HASH_KEY.length);
  }
  const buf = allocate(size);
  let off = buf.write(start, 0, 'latin1');
  for (let i = 0; i < records.length; i++) {
    const data = records[i].Data as Uint8Array;
    if (i > 0) buf[off++] = 0x2c;
    off += buf.write(DATA, off, 'latin1');
    off += buf.write((Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)).toString('base64'), off, 'latin1');
    const hashKey = hashKeys[i];
    if (hashKey === undefined) {
      off += buf.write(PARTITION_KEY, off, 'latin1');
    } else {
      off += buf.write(EXPLICIT_HASH_KEY, off, 'latin1');
      off = hashKey.writeTo(buf, off);
      off += buf.write(PARTITION_KEY_AFTER_HASH_KEY, off, 'latin1');
    }
    off = keys[i].writeTo(buf, off);
    buf[off++] = 0x7d;
  }
  off += buf.write(tail, off, 'utf8');
  if (off !== size) throw new Error(`PutRecords body: wrote ${off} bytes of ${size}`);
  return buf;
}

/**
 * One body buffer per client, reused from call to call: a fresh buffer of several hundred KiB per
 * call is memory outside V8's heap, and on Node.js 24 allocating it every call makes V8 run a full
 * garbage collection about once per 10,000 records (the producer then spends a third of its CPU in
 * the collector). The buffer is lent to one call at a time and taken back only when the call
 * succeeded, i.e. Kinesis read the whole body; a call that fails, or one made while the buffer is
 * lent (concurrent sends on one client), gets a buffer of its own.
 */
class BodyBuffer {
  private buffer: Buffer | undefined;
  private lent = false;

  /** `size` bytes of the shared buffer, or undefined while it is lent. */
  public lend(size: number): Buffer | undefined {
    if (this.lent) return undefined;
    if (this.buffer === undefined || this.buffer.length < size) this.buffer = Buffer.allocUnsafe(Math.max(size, MIN_SHARED_BYTES));
    this.lent = true;
    return this.buffer.subarray(0, size);
  }

  /** The call that used the shared buffer ended; after a failure the buffer is dropped (a socket may still hold it). */
  public giveBack(succeeded: boolean): void {
    if (!succeeded) this.buffer = undefined;
    this.lent = false;
  }
}

/** The shared body buffer starts at 1 MiB and grows to the largest body (about 7 MiB at most: 5 MiB of data in Base64). */
const MIN_SHARED_BYTES = 1024 * 1024;

const installed = new WeakSet<KinesisClient>();

/**
 * Makes the client send `PutRecords` with {@link putRecordsBody}. Two middlewares around the SDK's
 * serializer: the first writes the body from the command's input and hands the serializer the
 * input without its records; the second puts the body into the request the serializer built.
 * Middlewares added before (at `initialize`, e.g. tests injecting failures) see the real input.
 * Idempotent per client.
 */
export function sendPutRecordsWithPrebuiltBody(client: KinesisClient): void {
  if (installed.has(client)) return;
  installed.add(client);
  const bodies = new WeakMap<object, Buffer>();
  const shared = new BodyBuffer();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as PutRecordsCommandInput;
      if (context.commandName !== 'PutRecordsCommand' || !handles(input)) return next(args);
      let lent: Buffer | undefined;
      let succeeded = false;
      try {
        bodies.set(context, putRecordsBody(input, (size) => (lent = shared.lend(size)) ?? Buffer.allocUnsafe(size)));
        const out = await next({ ...args, input: { ...input, Records: [] } });
        succeeded = true;
        return out;
      } finally {
        if (lent !== undefined) shared.giveBack(succeeded);
      }
    },
    { step: 'serialize', priority: 'high', name: 'prebuiltPutRecordsBodyInput' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const body = bodies.get(context);
      if (body === undefined) return next(args);
      bodies.delete(context);
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      request.body = body;
      for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-length') delete request.headers[name];
      request.headers['content-length'] = String(body.length);
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'prebuiltPutRecordsBody' },
  );
}
