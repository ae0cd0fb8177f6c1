import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { handler } from '../../src/newline-transform-firehose/newline-transform.lambda';
import { appendNewline, transformRecords } from '../../src/newline-transform-firehose/records';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const ARRIVAL = Date.UTC(2026, 10, 27, 5, 12, 33, 511);
const FIRST_SEQUENCE_NUMBER = 49546986683135544286507457936321625675700192471156785154n;

/** The Kinesis sequence number of the i-th record; Firehose uses it as the record ID. */
function sequenceNumber(i: number): string {
  return (FIRST_SEQUENCE_NUMBER + BigInt(i) * 1_000_003n).toString();
}

/** A record as Firehose sends it for a Kinesis Data Streams source. */
function kinesisRecord(i: number, data: string): FirehoseTransformationEventRecord {
  return {
    recordId: sequenceNumber(i),
    approximateArrivalTimestamp: ARRIVAL + i,
    data,
    kinesisRecordMetadata: {
      shardId: `shardId-00000000000${i % 4}`,
      partitionKey: `4d1ad2b9-24f8-4b9d-a088-76e9947c${(0x317a + i).toString(16)}`,
      approximateArrivalTimestamp: ARRIVAL + i,
      sequenceNumber: sequenceNumber(i),
      subsequenceNumber: '',
    },
  };
}

/** A transformation event from a delivery stream whose source is a Kinesis data stream. */
function firehoseEvent(data: readonly string[]): FirehoseTransformationEvent {
  return {
    invocationId: '4b6e2a1c-2f1a-4c8e-9d36-1d3f0a6b7c21',
    deliveryStreamArn: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/lake-delivery`,
    sourceKinesisStreamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/lake-stream`,
    region: REGION,
    records: data.map((d, i) => kinesisRecord(i, d)),
  };
}

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

const NEWLINE = Buffer.from('\n');

/** The reference: decode the whole payload, append `\n` unless it is the last byte, re-encode. */
function naiveBytes(data: string): Buffer {
  const buf = Buffer.from(data, 'base64');
  return buf.at(-1) === 0x0a ? buf : Buffer.concat([buf, NEWLINE]);
}
const naive = (data: string): string => naiveBytes(data).toString('base64');

/** Arbitrary payloads: empty, every length mod 3, every byte value. */
const bytes = fc.uint8Array({ minLength: 0, maxLength: 200 });
/** Arbitrary payloads, some already ending with `\n`, `\r\n` or `\r`. */
const payloads = fc.oneof(
  bytes,
  fc.tuple(bytes, fc.constantFrom('\n', '\r\n', '\r', '\n\n')).map(([b, end]) => Buffer.concat([b, Buffer.from(end)])),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json().map((j) => Buffer.from(j, 'utf8')),
);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/**
 * Characters outside the base64 alphabet, `=` excluded: URL-safe base64, whitespace, control
 * characters, Latin-1 (char codes 128–255), BMP characters and a lone surrogate.
 */
const BAD_CHARS = ['-', '_', '.', ' ', '\n', '\r', '\t', '\0', '!', '*', 'é', 'ÿ', '€', '\uFEFF', '\uD83D'];

/** Records that are not structurally valid base64, each with the reason. */
const MALFORMED: ReadonlyArray<readonly [string, string]> = [
  ['length 1 mod 4', 'eyJhIjoxfQ==Q'],
  ['length 2 mod 4', 'eyJhIjoxfQ'],
  ['length 3 mod 4', 'eyJhIjoxfQ='],
  ['URL-safe alphabet in the last quantum', 'eyJhIjoxfQ-_'],
  ['whitespace in the last quantum', 'eyJhIjoxfQ=\n'],
  ['non-ASCII in the last quantum', 'eyJhIjoxfQé='],
  ['a character outside the alphabet before a single =', 'eyJhIjoxfQ-='],
  ['= before a non-= (xy=z)', 'eyJhIjoxfQ=Q'],
  ['= in the second position (x=yz)', 'eyJhIjoxQ=QQ'],
  ['= in the first position (=xyz)', '=QQQ'],
  ['three = (x===)', 'eyJhIjoxQ==='],
  ['four = (====)', 'eyJh===='],
];

// ---------------------------------------------------------------------------------------------
// appendNewline
// ---------------------------------------------------------------------------------------------

describe('appendNewline', () => {
  describe('GIVEN an empty payload', () => {
    test('WHEN a newline is appended THEN the payload is a single newline', () => {
      expect(appendNewline('')).toBe('Cg==');
      expect(Buffer.from(appendNewline('')!, 'base64')).toEqual(NEWLINE);
    });
  });

  describe('GIVEN a payload in each padding case', () => {
    test.each([
      ['3 bytes, no padding', '{"a"', 'eyJhIg==', 'eyJhIgo='],
      ['1 byte in the last quantum (==)', '{"a":1}', 'eyJhIjoxfQ==', 'eyJhIjoxfQo='],
      ['2 bytes in the last quantum (=)', '{"ab":1}', 'eyJhYiI6MX0=', 'eyJhYiI6MX0K'],
      ['a full last quantum', '{"abc":1}', 'eyJhYmMiOjF9', 'eyJhYmMiOjF9Cg=='],
      ['one byte', 'a', 'YQ==', 'YQo='],
      ['two bytes', 'ab', 'YWI=', 'YWIK'],
    ])('WHEN the payload has %s THEN only the last quantum changes and it decodes to the payload and \\n', (_case, text, data, expected) => {
      expect(b64(text)).toBe(data);
      const appended = appendNewline(data);
      expect(appended).toBe(expected);
      expect(Buffer.from(appended!, 'base64').toString('utf8')).toBe(`${text}\n`);
      expect(appended!.slice(0, data.length - 4)).toBe(data.slice(0, data.length - 4));
    });
  });

  describe('GIVEN a payload that already ends with a newline', () => {
    test.each([
      ['the last byte of a full quantum', 'ab\n'],
      ['the only byte of a padded last quantum (==)', 'abc\n'],
      ['the second byte of a padded last quantum (=)', 'abcd\n'],
      ['preceded by a carriage return', '{"a":1}\r\n'],
      ['the whole payload', '\n'],
    ])('WHEN the newline is %s THEN the data comes back as the same string', (_case, text) => {
      const data = b64(text);
      expect(appendNewline(data)).toBe(data);
    });

    test('WHEN the payload ends with a carriage return only THEN a newline is appended after it', () => {
      expect(Buffer.from(appendNewline(b64('{"a":1}\r'))!, 'base64').toString()).toBe('{"a":1}\r\n');
    });
  });

  describe('GIVEN arbitrary payloads', () => {
    test('WHEN a newline is appended THEN the base64 string equals that of the naive decode-append-encode', () => {
      fc.assert(
        fc.property(payloads, (payload) => {
          const data = b64(payload);
          expect(appendNewline(data)).toBe(naive(data));
        }),
        { numRuns: 2000 },
      );
    });

    test('WHEN a newline is appended THEN the result decodes byte for byte to the naive result', () => {
      fc.assert(
        fc.property(payloads, (payload) => {
          const appended = appendNewline(b64(payload))!;
          expect(Buffer.from(appended, 'base64').equals(naiveBytes(b64(payload)))).toBe(true);
          expect(Buffer.from(appended, 'base64').at(-1)).toBe(0x0a);
        }),
        { numRuns: 2000 },
      );
    });

    test('WHEN the payload did not end with a newline THEN exactly one byte is added', () => {
      fc.assert(
        fc.property(bytes.filter((b) => b.at(-1) !== 0x0a), (payload) => {
          const appended = Buffer.from(appendNewline(b64(payload))!, 'base64');
          expect(appended.length).toBe(payload.length + 1);
          expect(appended.subarray(0, payload.length).equals(Buffer.from(payload))).toBe(true);
        }),
      );
    });

    test('WHEN the payload is multi-byte UTF-8 THEN the text survives and gains a newline', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !s.endsWith('\n')), (text) => {
          expect(Buffer.from(appendNewline(b64(text))!, 'base64').toString('utf8')).toBe(`${text}\n`);
        }),
      );
    });
  });

  describe('GIVEN a padded last quantum with non-canonical trailing bits', () => {
    test('WHEN the last byte is not a newline THEN it is decoded as Node decodes it and the new tail is canonical', () => {
      // 'QR==' has a non-zero unused low nibble; Node decodes it to 'A' like 'QQ=='.
      expect(Buffer.from('QR==', 'base64').toString()).toBe('A');
      expect(appendNewline('QR==')).toBe('QQo=');
      expect(appendNewline('QR==')).toBe(naive('QR=='));
      // 'QUJ=' (two bytes, non-zero unused low 2 bits) decodes to 'AB' like 'QUI='.
      expect(appendNewline('QUJ=')).toBe(naive('QUJ='));
    });

    test('WHEN the last byte is already a newline THEN the data comes back as given and decodes like the naive result', () => {
      // 'Ch==' decodes to '\n' (the low nibble of 'h' is ignored).
      expect(appendNewline('Ch==')).toBe('Ch==');
      expect(Buffer.from('Ch==', 'base64').equals(naiveBytes('Ch=='))).toBe(true);
    });
  });

  describe('GIVEN data that is not structurally valid base64', () => {
    test.each(MALFORMED)('marks %s as malformed', (_case, data) => {
      expect(appendNewline(data)).toBeUndefined();
    });

    test('marks any character outside the alphabet in any position of the last quantum as malformed', () => {
      fc.assert(
        fc.property(bytes, fc.constantFrom(...BAD_CHARS), fc.integer({ min: 1, max: 4 }), (payload, bad, fromEnd) => {
          const data = b64(Buffer.concat([Buffer.from(payload), Buffer.from('abc')]));
          const broken = data.slice(0, data.length - fromEnd) + bad + data.slice(data.length - fromEnd + 1);
          expect(broken.length).toBe(data.length);
          expect(appendNewline(broken)).toBeUndefined();
        }),
      );
    });

    test('marks any length that is not a multiple of 4 as malformed', () => {
      fc.assert(
        fc.property(bytes, fc.integer({ min: 1, max: 3 }), (payload, cut) => {
          const data = b64(Buffer.concat([Buffer.from(payload), Buffer.from('abcd')]));
          expect(appendNewline(data.slice(0, data.length - cut))).toBeUndefined();
          expect(appendNewline(data + ALPHABET.slice(0, cut))).toBeUndefined();
        }),
      );
    });

    test('does not examine characters before the last quantum (the check is structural and O(1))', () => {
      // Firehose base64-encodes what Kinesis stored, so a bad character inside a payload cannot occur.
      expect(appendNewline('QQ-_QQ==')).toBe('QQ-_QQo=');
    });
  });

  describe('GIVEN a large payload', () => {
    test('WHEN a newline is appended to a 6 MiB payload THEN the result is the naive one, and the payload is not re-encoded', () => {
      const data = b64(Buffer.alloc(6 * 1024 * 1024, '{"event":"page_view"}'));
      const appended = appendNewline(data)!;
      expect(appended).toBe(naive(data));
      // Everything but the last quantum is the original text: only the tail was rebuilt.
      expect(appended.startsWith(data.slice(0, -4))).toBe(true);
      // The cost per record, independent of its size, is measured by bench/newline-handler.
    });
  });
});

// ---------------------------------------------------------------------------------------------
// transformRecords
// ---------------------------------------------------------------------------------------------

describe('transformRecords', () => {
  describe('GIVEN an event from a Kinesis data stream source', () => {
    const event = firehoseEvent([
      b64('{"event_id":"1","type":"page_view"}'),
      b64('{"event_id":"2","type":"checkout","amount":12.5}\n'),
      b64('{"event_id":"3","city":"Zürich","note":"naïve café ☕"}'),
      b64(''),
      b64(Buffer.from([0x00, 0xff, 0x0a, 0x0d])),
    ]);

    test('WHEN the records are transformed THEN every record ID comes back once, in order, with result Ok', () => {
      const { records } = transformRecords(event.records);
      expect(records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
      expect(records.every((r) => r.result === 'Ok')).toBe(true);
    });

    test('WHEN the records are transformed THEN each carries the naive newline-delimited data and nothing else', () => {
      const { records } = transformRecords(event.records);
      expect(records).toEqual(event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: naive(r.data) })));
      expect(records.map((r) => Object.keys(r))).toEqual(event.records.map(() => ['recordId', 'result', 'data']));
      expect(records.map((r) => Buffer.from(r.data!, 'base64').toString('utf8'))).toEqual([
        '{"event_id":"1","type":"page_view"}\n',
        '{"event_id":"2","type":"checkout","amount":12.5}\n',
        '{"event_id":"3","city":"Zürich","note":"naïve café ☕"}\n',
        '\n',
        Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x0a]).toString('utf8'),
      ]);
    });

    test('WHEN the records are transformed THEN the event is left unchanged', () => {
      const before = structuredClone(event);
      transformRecords(event.records);
      expect(event).toEqual(before);
    });

    test('WHEN the delivered objects are concatenated THEN they split into one JSON object per line', () => {
      const { records } = transformRecords(event.records.slice(0, 3));
      const object = Buffer.concat(records.map((r) => Buffer.from(r.data!, 'base64'))).toString('utf8');
      expect(object.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line).event_id)).toEqual(['1', '2', '3']);
    });
  });

  describe('GIVEN arbitrary batches', () => {
    test('WHEN the records are transformed THEN each ID comes back once, in order, Ok, with the naive data', () => {
      fc.assert(
        fc.property(fc.array(payloads, { maxLength: 30 }), (batch) => {
          const event = firehoseEvent(batch.map((p) => b64(p)));
          const { records } = transformRecords(event.records);
          expect(records).toEqual(event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: naive(r.data) })));
        }),
        { numRuns: 300 },
      );
    });

    test('WHEN malformed records are mixed in THEN they are marked ProcessingFailed with their data unchanged and the others are unaffected', () => {
      const valid = payloads.map((p) => ({ data: b64(p), valid: true }));
      const malformed = fc.constantFrom(...MALFORMED).map(([, data]) => ({ data, valid: false }));
      fc.assert(
        fc.property(
          fc.array(fc.oneof(valid, malformed), { maxLength: 30 }),
          (batch) => {
            const event = firehoseEvent(batch.map((r) => r.data));
            const { records } = transformRecords(event.records);
            expect(records).toEqual(
              batch.map((r, i) => ({
                recordId: sequenceNumber(i),
                result: r.valid ? 'Ok' : 'ProcessingFailed',
                data: r.valid ? naive(r.data) : r.data,
              })),
            );
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('GIVEN a batch with a malformed record between valid ones', () => {
    test('marks only the malformed record ProcessingFailed and returns its original data', () => {
      const event = firehoseEvent([b64('{"a":1}'), 'eyJhIjoxfQ', b64('{"b":2}')]);
      expect(transformRecords(event.records).records).toEqual([
        { recordId: sequenceNumber(0), result: 'Ok', data: b64('{"a":1}\n') },
        { recordId: sequenceNumber(1), result: 'ProcessingFailed', data: 'eyJhIjoxfQ' },
        { recordId: sequenceNumber(2), result: 'Ok', data: b64('{"b":2}\n') },
      ]);
    });
  });

  describe('GIVEN an empty batch', () => {
    test('WHEN the records are transformed THEN the response has no records', () => {
      expect(transformRecords([])).toEqual({ records: [] });
    });
  });

  describe('GIVEN records that share an ID', () => {
    test('WHEN the records are transformed THEN each input gives one output; IDs are passed through, not deduplicated', () => {
      const records = [kinesisRecord(0, b64('a')), kinesisRecord(0, b64('b'))];
      expect(transformRecords(records).records).toEqual([
        { recordId: sequenceNumber(0), result: 'Ok', data: b64('a\n') },
        { recordId: sequenceNumber(0), result: 'Ok', data: b64('b\n') },
      ]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// handler
// ---------------------------------------------------------------------------------------------

describe('handler', () => {
  describe('GIVEN a Firehose transformation event', () => {
    test('WHEN the handler is invoked THEN it resolves to what transformRecords returns for the records', async () => {
      const event = firehoseEvent([b64('{"a":1}'), b64('{"b":2}\n'), 'eyJhIjoxfQ', b64('')]);
      const response = handler(event);
      expect(response).toBeInstanceOf(Promise);
      await expect(response).resolves.toEqual(transformRecords(event.records));
    });

    test('WHEN the event has no records THEN it resolves to an empty response', async () => {
      await expect(handler(firehoseEvent([]))).resolves.toEqual({ records: [] });
    });

    test('WHEN the response is serialized as the Lambda runtime does THEN it is the Firehose response JSON', async () => {
      const event = firehoseEvent([b64('{"a":1}')]);
      const wire: unknown = JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(event)))));
      expect(wire).toEqual({ records: [{ recordId: sequenceNumber(0), result: 'Ok', data: b64('{"a":1}\n') }] });
    });
  });
});
