export * from './stream-ingest/shard-calculator';
export * from './stream-ingest/stream-ingest';
