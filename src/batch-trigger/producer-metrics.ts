/**
 * The metrics the bundled batch producer publishes (CloudWatch embedded metric format, one log
 * line per invocation) and `BatchTrigger` offers as `cloudwatch.Metric`s. Shared by the handler
 * and the construct, so it imports nothing: the handler bundle must not pull in aws-cdk-lib.
 */

/** CloudWatch namespace of every producer metric. */
export const PRODUCER_NAMESPACE = 'cdk-serverless-data-lake/BatchProducer';

/** The one dimension of every producer metric: the producer function's name. */
export const PRODUCER_DIMENSION = 'FunctionName';

/** Metric names, each a count per invocation. */
export const PRODUCER_METRICS = {
  /** Records recovered from objects (JSON values, or the `rawData` of Firehose error records). */
  recordsRead: 'RecordsRead',
  /** Records Kinesis acknowledged. */
  recordsPut: 'RecordsPut',
  /** Entries sent again after a partial failure, a throttled call or a retryable error. */
  recordsRetried: 'RecordsRetried',
  /** Records written to the dead-letter queue: retries exhausted, or over the record limit. */
  recordsDeadLettered: 'RecordsDeadLettered',
  /** Spans of an object that are not JSON values (reported with their object and offset, not sent). */
  malformedRecords: 'MalformedRecords',
  /** Records over the Kinesis limit of 1 MiB (data plus partition key): reported and dead-lettered by location. */
  oversizedRecords: 'OversizedRecords',
} as const;
