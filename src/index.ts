export * from './stream-ingest/shard-calculator';
export * from './stream-ingest/stream-ingest';
export * from './schema/table-schema';
export * from './layout/partition-layout';
export * from './partitioned-parquet-lake/partitioned-parquet-lake';
export * from './crawled-catalog/crawled-catalog';
export * from './newline-transform-firehose/newline-transform-firehose';
