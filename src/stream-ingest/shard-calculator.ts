import { Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import { unscopedDataLakeError } from '../private/errors';

// Kinesis Data Streams quotas for a provisioned shard.
// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
const MIB = 1024 * 1024;
const WRITE_BYTES_PER_SHARD = 1 * MIB;
const WRITE_RECORDS_PER_SHARD = 1000;
const READ_BYTES_PER_SHARD = 2 * MIB;
const MAX_RECORD_BYTES = 1 * MIB;
// GetRecords: 5 calls per second per shard, shared by every polling consumer.
const GET_RECORDS_CALLS_PER_SHARD = 5;

/**
 * The expected load on a stream, the input of `ShardCalculator.calculate`.
 */
export interface ShardCalculatorProps {
  /**
   * Records written per second at peak.
   *
   * A rate, so fractions are allowed; must be greater than zero.
   */
  readonly recordsPerSecond: number;

  /**
   * Average size of one record: the data blob plus its partition key.
   *
   * Must be greater than zero and at most 1 MiB (the Kinesis record limit).
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
   */
  readonly averageRecordSize: Size;

  /**
   * Consumers that poll with GetRecords (Firehose, the KCL without enhanced fan-out, Lambda
   * event source mappings without fan-out). They share 2 MiB/s of reads per shard.
   *
   * @default 1 - the Firehose delivery stream of the lake
   */
  readonly pollingConsumers?: number;

  /**
   * Enhanced fan-out consumers. Each gets its own 2 MiB/s per shard, so they never need more
   * shards than the writes do; they are reported for completeness.
   *
   * @default 0
   */
  readonly enhancedFanOutConsumers?: number;

  /**
   * Spare capacity to keep above the expected peak, in percent of it.
   *
   * @default 25
   */
  readonly headroomPercent?: number;
}

/**
 * The Kinesis shard limit that decided the shard count.
 */
export enum ShardLimit {
  /** 1 MiB/s of writes per shard. */
  WRITE_BYTES = 'WRITE_BYTES',
  /** 1,000 records/s of writes per shard. */
  WRITE_RECORDS = 'WRITE_RECORDS',
  /** 2 MiB/s of reads per shard, shared by every polling consumer. */
  READ_BYTES = 'READ_BYTES',
  /** 2 MiB/s of reads per shard for each enhanced fan-out consumer. */
  ENHANCED_FAN_OUT_READ_BYTES = 'ENHANCED_FAN_OUT_READ_BYTES',
}

/**
 * The result of `ShardCalculator.calculate`: the shard count, the limit that decided it and
 * the shards each limit needs on its own.
 */
export interface ShardEstimate {
  /** Shards to provision: the largest of the per-limit figures, at least 1. */
  readonly shardCount: number;

  /** The limit that needs the most shards (the first in declaration order on a tie). */
  readonly limitingFactor: ShardLimit;

  /** Shards needed for 1 MiB/s of writes each, headroom included. */
  readonly writeBytesShards: number;

  /** Shards needed for 1,000 records/s of writes each, headroom included. */
  readonly writeRecordsShards: number;

  /** Shards needed for 2 MiB/s of reads each, shared by the polling consumers, headroom included. */
  readonly readBytesShards: number;

  /** Shards needed for 2 MiB/s of reads per enhanced fan-out consumer, headroom included (0 without such consumers). */
  readonly enhancedFanOutShards: number;

  /** Incoming bytes per second at peak, before headroom. */
  readonly bytesPerSecond: number;

  /** One sentence saying why this many shards. */
  readonly reason: string;

  /** Things to know about this load that more shards do not fix. Empty when there are none. */
  readonly warnings: string[];
}

/**
 * Sizes a provisioned Kinesis data stream from its expected throughput.
 *
 * Pure: it reads nothing and defines nothing, so it can be used in plans and tests as well as
 * through `StreamCapacity.fromThroughput`.
 *
 * @example
 * const estimate = ShardCalculator.calculate({
 *   recordsPerSecond: 2500,
 *   averageRecordSize: Size.kibibytes(1),
 * });
 * // estimate.shardCount === 4: 3,125 records/s and 3.05 MiB/s with 25% headroom
 */
export class ShardCalculator {
  /**
   * Computes the shards the given load needs.
   *
   * @throws when a figure is zero, negative, not finite, or a consumer count is not an integer
   */
  public static calculate(props: ShardCalculatorProps): ShardEstimate {
    const pollingConsumers = props.pollingConsumers ?? 1;
    const enhancedFanOutConsumers = props.enhancedFanOutConsumers ?? 0;
    const headroomPercent = props.headroomPercent ?? 25;

    const problems: string[] = [];
    const { recordsPerSecond } = props;
    if (!Number.isFinite(recordsPerSecond) || recordsPerSecond <= 0) {
      problems.push(`recordsPerSecond must be a finite number greater than 0, got ${recordsPerSecond}: give the expected peak write rate, e.g. 500`);
    }
    let recordBytes = NaN;
    try {
      recordBytes = props.averageRecordSize.toBytes({ rounding: SizeRoundingBehavior.NONE });
    } catch {
      // a fractional byte count cannot be converted; reported below
    }
    if (!Number.isFinite(recordBytes) || recordBytes <= 0) {
      problems.push(`averageRecordSize must be greater than 0 bytes, got ${recordBytes} bytes: give the average data blob plus partition key, e.g. Size.bytes(512)`);
    } else if (recordBytes > MAX_RECORD_BYTES) {
      problems.push(`averageRecordSize must be at most 1 MiB (the Kinesis record limit), got ${recordBytes} bytes: split larger payloads or store them in S3 and stream a pointer`);
    }
    for (const [name, value, min] of [
      ['pollingConsumers', pollingConsumers, 0],
      ['enhancedFanOutConsumers', enhancedFanOutConsumers, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        problems.push(`${name} must be a whole number of at least ${min}, got ${value}: count each consumer application once`);
      }
    }
    if (pollingConsumers === 0 && enhancedFanOutConsumers === 0) {
      problems.push('pollingConsumers + enhancedFanOutConsumers must be at least 1, got 0: a stream nobody reads loses its data at the end of its retention');
    }
    if (!Number.isFinite(headroomPercent) || headroomPercent < 0) {
      problems.push(`headroomPercent must be a finite number of at least 0, got ${headroomPercent}: e.g. 25 keeps a quarter of spare capacity`);
    }
    if (problems.length > 0) {
      throw unscopedDataLakeError('ShardCalculator', ...problems);
    }

    const factor = 1 + headroomPercent / 100;
    const bytesPerSecond = recordsPerSecond * recordBytes;
    const shards = (demand: number, perShard: number) => Math.ceil(roundMicro((demand * factor) / perShard));

    const writeBytesShards = shards(bytesPerSecond, WRITE_BYTES_PER_SHARD);
    const writeRecordsShards = shards(recordsPerSecond, WRITE_RECORDS_PER_SHARD);
    const readBytesShards = shards(bytesPerSecond * pollingConsumers, READ_BYTES_PER_SHARD);
    // Each enhanced fan-out consumer has its own 2 MiB/s per shard: one consumer's reads decide.
    const enhancedFanOutShards = enhancedFanOutConsumers > 0 ? shards(bytesPerSecond, READ_BYTES_PER_SHARD) : 0;

    const candidates: Array<[ShardLimit, number]> = [
      [ShardLimit.WRITE_BYTES, writeBytesShards],
      [ShardLimit.WRITE_RECORDS, writeRecordsShards],
      [ShardLimit.READ_BYTES, readBytesShards],
      [ShardLimit.ENHANCED_FAN_OUT_READ_BYTES, enhancedFanOutShards],
    ];
    let [limitingFactor, needed] = candidates[0];
    for (const [limit, count] of candidates) {
      if (count > needed) {
        [limitingFactor, needed] = [limit, count];
      }
    }
    const shardCount = Math.max(1, needed);

    const warnings: string[] = [];
    if (pollingConsumers > GET_RECORDS_CALLS_PER_SHARD) {
      warnings.push(`${pollingConsumers} polling consumers share ${GET_RECORDS_CALLS_PER_SHARD} GetRecords calls per second per shard, whatever the shard count: move some to enhanced fan-out`);
    }

    const reason = `${shardCount} shard${shardCount === 1 ? '' : 's'}: ${describe(limitingFactor, {
      recordsPerSecond,
      bytesPerSecond,
      pollingConsumers,
    })} with ${headroomPercent}% headroom`;

    return {
      shardCount,
      limitingFactor,
      writeBytesShards,
      writeRecordsShards,
      readBytesShards,
      enhancedFanOutShards,
      bytesPerSecond,
      reason,
      warnings,
    };
  }

  private constructor() {}
}

/**
 * Snaps a shard demand to the nearest whole number when it is within a millionth of a shard (or
 * one part in a trillion of the demand) of it, before the ceiling: floating-point noise
 * (3 × 1.1 = 3.3000000000000003) must not add a shard.
 */
function roundMicro(n: number): number {
  const whole = Math.round(n);
  return Math.abs(n - whole) <= Math.max(1e-6, n * 1e-12) ? whole : n;
}

function describe(limit: ShardLimit, load: { recordsPerSecond: number; bytesPerSecond: number; pollingConsumers: number }): string {
  const mib = (b: number) => `${(b / MIB).toFixed(3)} MiB/s`;
  switch (limit) {
    case ShardLimit.WRITE_RECORDS:
      return `${load.recordsPerSecond} records/s against 1,000 records/s of writes per shard`;
    case ShardLimit.READ_BYTES:
      return `${load.pollingConsumers} polling consumer(s) reading ${mib(load.bytesPerSecond)} each against 2 MiB/s of shared reads per shard`;
    case ShardLimit.ENHANCED_FAN_OUT_READ_BYTES:
      return `${mib(load.bytesPerSecond)} per enhanced fan-out consumer against 2 MiB/s per consumer per shard`;
    case ShardLimit.WRITE_BYTES:
    default:
      return `${mib(load.bytesPerSecond)} against 1 MiB/s of writes per shard`;
  }
}
