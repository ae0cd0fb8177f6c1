/**
 * The metrics the partition registrar publishes (CloudWatch embedded metric format, one log line
 * per invocation) and `CrawledCatalog` offers as `cloudwatch.Metric`s. Shared by the handler and
 * the construct, so it imports nothing: the handler bundle must not pull in aws-cdk-lib.
 */

/** CloudWatch namespace of every registrar metric. */
export const REGISTRAR_NAMESPACE = 'cdk-serverless-data-lake/PartitionRegistration';

/** Dimensions of every registrar metric, in this order: the table's Glue database and name. */
export const REGISTRAR_DIMENSIONS = ['Database', 'Table'] as const;

/** Metric names, each a count per invocation. */
export const REGISTRAR_METRICS = {
  /** Partitions created in the catalog. */
  partitionsRegistered: 'PartitionsRegistered',
  /** Objects under the table's data prefix whose key does not parse against the layout. */
  unparsableObjects: 'UnparsableObjects',
  /** Partitions Glue did not create (an entry error or a failed call), other than "already exists". */
  registrationFailures: 'RegistrationFailures',
  /** Objects that are not data of the table: other buckets or prefixes, folder keys and markers. */
  ignoredObjects: 'IgnoredObjects',
} as const;
