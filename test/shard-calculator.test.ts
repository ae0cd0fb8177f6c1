import { Size } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ShardCalculator, ShardLimit } from '../src';

const MIB = 1024 * 1024;

describe('shard count', () => {
  test('a tie between limits reports the first in declaration order (25% headroom by default)', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 2500, averageRecordSize: Size.kibibytes(1) });
    // 2500 * 1.25 = 3125 records/s -> 4 shards; 2.441 MiB/s * 1.25 = 3.052 MiB/s -> 4 shards too:
    // on a tie the first limit in declaration order (write bytes) is reported.
    expect(e.writeRecordsShards).toBe(4);
    expect(e.writeBytesShards).toBe(4);
    expect(e.shardCount).toBe(4);
    expect(e.limitingFactor).toBe(ShardLimit.WRITE_BYTES);
  });

  test('records per second decide when records are tiny', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 3000, averageRecordSize: Size.bytes(100), headroomPercent: 0 });
    expect(e).toMatchObject({ shardCount: 3, limitingFactor: ShardLimit.WRITE_RECORDS });
    expect(e).toMatchObject({ writeRecordsShards: 3, writeBytesShards: 1, readBytesShards: 1 });
    expect(e.reason).toBe('3 shards: 3000 records/s against 1,000 records/s of writes per shard with 0% headroom');
  });

  test('bytes per second decide when records are large', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 100, averageRecordSize: Size.kibibytes(50), headroomPercent: 0 });
    // 100 * 50 KiB = 4.883 MiB/s -> 5 shards by write bytes, 1 by records
    expect(e).toMatchObject({ shardCount: 5, limitingFactor: ShardLimit.WRITE_BYTES });
    expect(e).toMatchObject({ writeBytesShards: 5, writeRecordsShards: 1, readBytesShards: 3 });
    expect(e.bytesPerSecond).toBe(100 * 50 * 1024);
    expect(e.reason).toBe('5 shards: 4.883 MiB/s against 1 MiB/s of writes per shard with 0% headroom');
  });

  test('polling consumers share reads and can decide', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 1000, averageRecordSize: Size.kibibytes(1), pollingConsumers: 4, headroomPercent: 0 });
    // 0.977 MiB/s in, read 4 times = 3.906 MiB/s against 2 MiB/s per shard -> 2 shards
    expect(e).toMatchObject({ shardCount: 2, limitingFactor: ShardLimit.READ_BYTES, readBytesShards: 2, writeBytesShards: 1, writeRecordsShards: 1 });
    expect(e.reason).toMatch(/^2 shards: 4 polling consumer\(s\) reading 0.977 MiB\/s each against 2 MiB\/s of shared reads per shard/);
  });

  test('enhanced fan-out consumers get their own reads and never add shards', () => {
    const without = ShardCalculator.calculate({ recordsPerSecond: 500, averageRecordSize: Size.kibibytes(4) });
    const withEfo = ShardCalculator.calculate({ recordsPerSecond: 500, averageRecordSize: Size.kibibytes(4), enhancedFanOutConsumers: 10 });
    expect(without.enhancedFanOutShards).toBe(0);
    expect(withEfo.enhancedFanOutShards).toBe(2);
    expect(withEfo.shardCount).toBe(without.shardCount);
  });

  test('an exact fit needs no extra shard', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 1000, averageRecordSize: Size.bytes(1), headroomPercent: 0 });
    expect(e.shardCount).toBe(1);
    // 0.1 + 0.2 style float noise must not add a shard: 3 * 1.1 = 3.3000000000000003
    expect(ShardCalculator.calculate({ recordsPerSecond: 2000, averageRecordSize: Size.bytes(1), headroomPercent: 50 }).writeRecordsShards).toBe(3);
  });

  test('the smallest load needs one shard', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 0.01, averageRecordSize: Size.bytes(1) });
    expect(e).toMatchObject({ shardCount: 1, reason: expect.stringMatching(/^1 shard: /) });
  });

  test('defaults: one polling consumer, no enhanced fan-out, 25% headroom', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 800, averageRecordSize: Size.bytes(10) });
    // 800 * 1.25 = 1000 -> exactly one shard
    expect(e.writeRecordsShards).toBe(1);
    expect(ShardCalculator.calculate({ recordsPerSecond: 801, averageRecordSize: Size.bytes(10) }).writeRecordsShards).toBe(2);
    expect(e.enhancedFanOutShards).toBe(0);
    expect(e.reason).toMatch(/with 25% headroom$/);
    expect(e.warnings).toEqual([]);
  });

  test('warns that more than five polling consumers exceed GetRecords calls', () => {
    const e = ShardCalculator.calculate({ recordsPerSecond: 10, averageRecordSize: Size.bytes(10), pollingConsumers: 6 });
    expect(e.warnings).toEqual([
      '6 polling consumers share 5 GetRecords calls per second per shard, whatever the shard count: move some to enhanced fan-out',
    ]);
  });

  test('property: the shard count covers every limit with headroom and is minimal', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: MIB }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 400, noNaN: true }),
        (rps, bytes, polling, efo, headroom) => {
          fc.pre(polling + efo >= 1);
          const e = ShardCalculator.calculate({
            recordsPerSecond: rps,
            averageRecordSize: Size.bytes(bytes),
            pollingConsumers: polling,
            enhancedFanOutConsumers: efo,
            headroomPercent: headroom,
          });
          const f = 1 + headroom / 100;
          const need = [rps * bytes * f / MIB, rps * f / 1000, rps * bytes * polling * f / (2 * MIB)];
          // the calculator ignores a millionth of a shard, or one part in a trillion of the demand
          const slackOf = (n: number) => Math.max(1e-6, n * 1e-12);
          for (const n of need) expect(e.shardCount).toBeGreaterThanOrEqual(n - slackOf(n));
          expect(e.shardCount).toBeGreaterThanOrEqual(1);
          // minimal: one fewer shard would break at least one limit (or we are at the floor of 1)
          if (e.shardCount > 1) expect(need.some((n) => n > e.shardCount - 1 + slackOf(n))).toBe(true);
          const byLimit: Record<ShardLimit, number> = {
            [ShardLimit.WRITE_BYTES]: e.writeBytesShards,
            [ShardLimit.WRITE_RECORDS]: e.writeRecordsShards,
            [ShardLimit.READ_BYTES]: e.readBytesShards,
            [ShardLimit.ENHANCED_FAN_OUT_READ_BYTES]: e.enhancedFanOutShards,
          };
          expect(Math.max(1, byLimit[e.limitingFactor])).toBe(e.shardCount);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('validation', () => {
  const base = { recordsPerSecond: 10, averageRecordSize: Size.bytes(100) };

  test.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('fails on recordsPerSecond %s', (recordsPerSecond) => {
    expect(() => ShardCalculator.calculate({ ...base, recordsPerSecond })).toThrow(
      new RegExp(`^ShardCalculator: recordsPerSecond must be a finite number greater than 0, got ${recordsPerSecond}: give the expected peak write rate`),
    );
  });

  test('fails on an average record size of zero', () => {
    expect(() => ShardCalculator.calculate({ ...base, averageRecordSize: Size.bytes(0) })).toThrow(
      /averageRecordSize must be greater than 0 bytes, got 0 bytes: give the average data blob plus partition key/,
    );
  });

  test('fails on a record larger than the Kinesis limit', () => {
    expect(() => ShardCalculator.calculate({ ...base, averageRecordSize: Size.mebibytes(2) })).toThrow(
      /averageRecordSize must be at most 1 MiB \(the Kinesis record limit\), got 2097152 bytes/,
    );
  });

  test.each([
    ['pollingConsumers', -1],
    ['pollingConsumers', 1.5],
    ['enhancedFanOutConsumers', -2],
    ['enhancedFanOutConsumers', Number.NaN],
  ])('fails on %s = %s', (name, value) => {
    expect(() => ShardCalculator.calculate({ ...base, [name]: value })).toThrow(
      new RegExp(`${name} must be a whole number of at least 0, got ${value}: count each consumer application once`),
    );
  });

  test('fails when nobody reads the stream', () => {
    expect(() => ShardCalculator.calculate({ ...base, pollingConsumers: 0 })).toThrow(
      /pollingConsumers \+ enhancedFanOutConsumers must be at least 1, got 0/,
    );
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('fails on headroomPercent %s', (headroomPercent) => {
    expect(() => ShardCalculator.calculate({ ...base, headroomPercent })).toThrow(
      new RegExp(`headroomPercent must be a finite number of at least 0, got ${headroomPercent}`),
    );
  });

  test('reports every problem at once', () => {
    let message = '';
    try {
      ShardCalculator.calculate({ recordsPerSecond: -1, averageRecordSize: Size.bytes(0), pollingConsumers: -1, headroomPercent: -1 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n  - ')).toHaveLength(5);
    expect(message).toMatch(/recordsPerSecond/);
    expect(message).toMatch(/averageRecordSize/);
    expect(message).toMatch(/pollingConsumers must/);
    expect(message).toMatch(/headroomPercent/);
  });
});
