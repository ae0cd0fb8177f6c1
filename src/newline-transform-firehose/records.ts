import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';

/**
 * Newline delimiting of Firehose records, for the bundled Lambda processor.
 *
 * Firehose concatenates the records it delivers without a delimiter, so JSON objects land in
 * S3 as `{…}{…}{…}` and a crawler or Athena sees one row per object. The processor appends
 * `\n` to each record that does not already end with one.
 *
 * Records arrive and leave base64-encoded. Appending a byte to a base64 string changes only its
 * last 4-character quantum, so the work per record is constant whatever the payload size: the
 * last quantum is decoded to learn the final byte(s), and only that quantum is re-encoded with
 * `\n` after them. The payload itself is never decoded, copied or scanned here; the result is
 * `prefix + newTail`, which V8 represents as a rope over the original string.
 *
 * `newline-transform.lambda.ts` is the thin entry.
 */

/** The base64 of a single `\n`: what an empty payload becomes. */
const NEWLINE_QUANTUM = 'Cg==';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Value of a character that is not in the base64 alphabet. */
const INVALID = -1;
/** Value of the padding character `=`. */
const PAD = -2;
/** `DECODE[c]` for a char code `c` < 128: its 6-bit value, `PAD` for `=`, `INVALID` otherwise. */
const DECODE = new Int8Array(128).fill(INVALID);
for (let i = 0; i < ALPHABET.length; i++) {
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
DECODE['='.charCodeAt(0)] = PAD;

/** The byte `\n`. */
const NEWLINE = 0x0a;

/**
 * Tails for a last quantum that holds two bytes (`wxy=`), indexed by the value of `y`.
 *
 * `wxy=` + `\n` is the full quantum `wx` + `ALPHABET[y - y % 4]` + `K`: `w` and `x` are
 * unchanged, `y` keeps the low 4 bits of the second byte in its high 4 bits, and 0x0A adds `00`
 * below them and `001010` (`K`). Only the last two characters of the payload are replaced.
 */
const TWO_BYTE_TAILS: readonly string[] = Array.from({ length: 64 }, (_, y) => `${ALPHABET[y - (y % 4)]}K`);

/**
 * Tails for a last quantum that holds one byte (`wx==`), indexed by the value of `x`.
 *
 * `wx==` + `\n` is `w` + `ALPHABET[x - x % 16]` + `o=`: `x` keeps the low 2 bits of the byte in
 * its high 2 bits, 0x0A adds `0000` below them and `1010` + `00` (`o`). Only the last three
 * characters of the payload are replaced.
 */
const ONE_BYTE_TAILS: readonly string[] = Array.from({ length: 64 }, (_, x) => `${ALPHABET[x - (x % 16)]}o=`);

/** The value of the base64 character with this char code: 0–63, `PAD` or `INVALID`. */
function valueOf(charCode: number): number {
  return charCode < 0x80 ? DECODE[charCode] : INVALID;
}

/**
 * Appends `\n` to a base64-encoded payload unless it already ends with one.
 *
 * Returns the base64 of the payload followed by `\n`, the same string that decoding the whole
 * payload, appending and re-encoding would give; `data` itself when its last byte is already
 * `\n`; `'Cg=='` for an empty payload; and `undefined` when `data` is not structurally valid
 * base64.
 *
 * Validation is structural and O(1): the length must be a multiple of 4, and the last quantum
 * must consist of alphabet characters (`A–Z a–z 0–9 + /`) followed by at most two `=`, with no
 * `=` before a non-`=`. Characters before the last quantum are not examined. Firehose produces
 * `data` by base64-encoding the bytes Kinesis stored, so a bad character inside a payload cannot
 * occur; these checks catch a truncated or foreign string at no cost per byte.
 *
 * A padded last quantum whose unused low bits are not zero (`QR==` instead of `QQ==`) is
 * accepted and decoded as Node's `Buffer.from(data, 'base64')` decodes it, ignoring those bits.
 * The re-encoded tail is canonical; a payload that already ends with `\n` is returned as given,
 * non-canonical bits included (it decodes to the same bytes).
 */
export function appendNewline(data: string): string | undefined {
  const n = data.length;
  if (n === 0) {
    return NEWLINE_QUANTUM;
  }
  if (n % 4 !== 0) {
    return undefined;
  }
  const w = valueOf(data.charCodeAt(n - 4));
  const x = valueOf(data.charCodeAt(n - 3));
  const y = valueOf(data.charCodeAt(n - 2));
  const z = valueOf(data.charCodeAt(n - 1));
  // The first two characters of a quantum always carry data.
  if (w < 0 || x < 0) {
    return undefined;
  }
  if (z >= 0) {
    // `wxyz`, three bytes: the last is the low 2 bits of y and the 6 bits of z.
    if (y < 0) {
      return undefined;
    }
    return (y % 4) * 64 + z === NEWLINE ? data : data + NEWLINE_QUANTUM;
  }
  if (z !== PAD) {
    return undefined;
  }
  if (y >= 0) {
    // `wxy=`, two bytes: the last is the low 4 bits of x and the high 4 bits of y.
    return (x % 16) * 16 + Math.floor(y / 4) === NEWLINE ? data : data.slice(0, n - 2) + TWO_BYTE_TAILS[y];
  }
  if (y !== PAD) {
    return undefined;
  }
  // `wx==`, one byte: the 6 bits of w and the high 2 bits of x.
  return w * 4 + Math.floor(x / 16) === NEWLINE ? data : data.slice(0, n - 3) + ONE_BYTE_TAILS[x];
}

/**
 * The Firehose processor response for a batch: every record newline-delimited.
 *
 * Each input record gives exactly one output record, in input order: `Ok` with the delimited
 * data, or `ProcessingFailed` with the original data when it is not valid base64 (Firehose then
 * writes it to the error output prefix). Record IDs are passed through as given; Firehose makes
 * them unique within an invocation.
 */
export function transformRecords(records: readonly FirehoseTransformationEventRecord[]): FirehoseTransformationResult {
  const count = records.length;
  const out = new Array<FirehoseTransformationResultRecord>(count);
  for (let i = 0; i < count; i++) {
    const record = records[i];
    const data = record.data;
    const appended = appendNewline(data);
    out[i] = appended === undefined
      ? { recordId: record.recordId, result: 'ProcessingFailed', data }
      : { recordId: record.recordId, result: 'Ok', data: appended };
  }
  return { records: out };
}
