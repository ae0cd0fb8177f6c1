import { App, AppProps, CfnOutput, CfnResource, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { REDACT_TRANSFORM_SOURCE } from './redact-transform';
import {
  AthenaQueryLayer,
  BatchProducer,
  BatchTrigger,
  BatchTriggerSource,
  ColumnType,
  CrawledCatalog,
  DataSetImportMode,
  IngestEncryption,
  LakeAlarmActions,
  LakeMonitoring,
  NewlineStrategy,
  NewlineTransformFirehose,
  PartitionDiscovery,
  PartitionLayout,
  PartitionedParquetLake,
  QueryResultsLocation,
  QuickSightDataSet,
  RecrawlPolicy,
  ServerlessDataLake,
  SpiceRefresh,
  StreamCapacity,
  StreamIngest,
  TableFormat,
  TableSchema,
} from '../../src';

/**
 * The example lake's app: cdk-nag AwsSolutions and CDK's built-in CloudFormation validation run
 * at synth, and any finding of either (not acknowledged with a reason) fails it.
 */
export function buildExampleApp(props: AppProps = {}): App {
  const app = new App({
    ...props,
    context: { ...props.context, '@aws-cdk/core:validateAgainstDefaultRules': true },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  // 1. The stream with every default: one shard, 168-hour retention, a rotating KMS key, RETAIN.
  //    The Python and Java example apps synthesize this same stack.
  const defaults = new Stack(app, 'StreamIngestExample', {
    description: 'cdk-serverless-data-lake example: StreamIngest with its defaults',
  });
  new StreamIngest(defaults, 'Ingest');

  // 2. The other capacity and encryption choices, with a producer and a consumer granted access.
  const variants = new Stack(app, 'StreamIngestVariantsExample', {
    description: 'cdk-serverless-data-lake example: StreamIngest capacity and encryption choices',
  });
  const sized = new StreamIngest(variants, 'Sized', {
    capacity: StreamCapacity.fromThroughput({ recordsPerSecond: 2500, averageRecordSize: Size.kibibytes(1) }),
  });
  const onDemand = new StreamIngest(variants, 'OnDemand', {
    capacity: StreamCapacity.onDemand(),
    encryption: IngestEncryption.awsManagedKey(),
  });
  const producer = new iam.Role(variants, 'Producer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Example producer: may put records into the sized stream only',
  });
  sized.grantWrite(producer);
  const consumer = new iam.Role(variants, 'Consumer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Example consumer: may read the on-demand stream only',
  });
  onDemand.grantRead(consumer);

  // 3. The lake and its catalog, schema-first: one table per partition-discovery mode.
  const clicks = new TableSchema([
    { name: 'event_id', type: ColumnType.STRING, comment: 'unique per click' },
    { name: 'user_id', type: ColumnType.STRING },
    { name: 'page', type: ColumnType.varchar(2048) },
    { name: 'clicked_at', type: ColumnType.TIMESTAMP },
    { name: 'price', type: ColumnType.decimal(12, 2) },
    { name: 'tags', type: ColumnType.array(ColumnType.STRING) },
    { name: 'device', type: ColumnType.struct([{ name: 'os', type: ColumnType.STRING }, { name: 'mobile', type: ColumnType.BOOLEAN }]) },
  ]);
  const lakeStack = new Stack(app, 'LakeCatalogExample', {
    description: 'cdk-serverless-data-lake example: the partitioned lake and its catalog in every discovery mode',
  });
  const lake = new PartitionedParquetLake(lakeStack, 'Lake', { eventBridgeEnabled: true });
  const analyst = new iam.Role(lakeStack, 'Analyst', {
    assumedBy: new iam.AccountRootPrincipal(),
    description: 'Example analyst: may read the clicks table only',
  });
  const projected = new CrawledCatalog(lakeStack, 'Projected', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'clicks',
    schema: clicks,
    tableDescription: 'Clicks, partitions computed by Athena partition projection',
  });
  projected.grantRead(analyst);
  new CrawledCatalog(lakeStack, 'Crawled', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'orders',
    schema: clicks,
    partitionDiscovery: PartitionDiscovery.crawler(),
  });
  new CrawledCatalog(lakeStack, 'Registered', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'payments',
    schema: clicks,
    partitionDiscovery: PartitionDiscovery.eventDriven(),
  });
  new CrawledCatalog(lakeStack, 'EventCrawled', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'refunds',
    schema: clicks,
    partitionDiscovery: PartitionDiscovery.crawler({ recrawlPolicy: RecrawlPolicy.S3_EVENTS }),
  });

  // 4. Schema-on-read: no columns declared; the crawler creates the table from the JSON lines.
  const readStack = new Stack(app, 'SchemaOnReadExample', {
    description: 'cdk-serverless-data-lake example: a daily lake whose table the crawler infers',
  });
  const dailyLake = new PartitionedParquetLake(readStack, 'Lake', { layout: PartitionLayout.daily() });
  new CrawledCatalog(readStack, 'Inferred', { bucket: dailyLake.bucket, layout: dailyLake.layout, tableName: 'sensor_readings' });

  // 5. The delivery stage: one table per newline strategy and format, each fed by its own stream
  //    (a delivery stream reads every record of its stream, so tables that share a stream would
  //    each receive every record, and their readers would share the stream's read throughput).
  const deliveryStack = new Stack(app, 'DeliveryExample', {
    description: 'cdk-serverless-data-lake example: Firehose delivery as Parquet and JSON lines, with each newline strategy',
  });
  const deliveryLake = new PartitionedParquetLake(deliveryStack, 'Lake');
  const events = new TableSchema([
    { name: 'event_id', type: ColumnType.STRING },
    { name: 'occurred_at', type: ColumnType.TIMESTAMP },
    { name: 'amount', type: ColumnType.decimal(12, 2) },
  ]);
  const tables: Array<[string, string, TableSchema | undefined, NewlineStrategy | undefined]> = [
    // Parquet: Firehose converts the JSON itself, no processor runs (the default with a schema).
    ['Parquet', 'orders', events, undefined],
    // JSON lines: the bundled newline Lambda (the default without a schema).
    ['JsonBundled', 'sensor_readings', undefined, undefined],
    // JSON lines: Firehose's own delimiter, no Lambda.
    ['JsonNative', 'payments', undefined, NewlineStrategy.appendDelimiter()],
    // JSON lines: your own processor, here one that redacts fields before they reach the lake.
    ['JsonYours', 'audit_log', undefined, NewlineStrategy.lambdaFunction(redactingTransform(deliveryStack, 'RedactTransform', ['password', 'card_number']))],
  ];
  for (const [id, tableName, schema, newline] of tables) {
    const ingest = new StreamIngest(deliveryStack, `${id}Ingest`);
    const catalog = new CrawledCatalog(deliveryStack, `${id}Catalog`, { bucket: deliveryLake.bucket, layout: deliveryLake.layout, tableName, schema });
    new NewlineTransformFirehose(deliveryStack, `${id}Delivery`, {
      stream: ingest.stream,
      bucket: deliveryLake.bucket,
      layout: deliveryLake.layout,
      tableName,
      table: catalog.table,
      newline,
    });
  }

  // 6. The query stage: one workgroup over a schema-first and a schema-on-read table, results in
  //    a bucket of its own; a second workgroup keeps results under a prefix of the lake bucket.
  const queryStack = new Stack(app, 'QueryExample', {
    description: 'cdk-serverless-data-lake example: Athena workgroups and saved queries over the lake',
  });
  const queryLake = new PartitionedParquetLake(queryStack, 'Lake');
  const purchases = new CrawledCatalog(queryStack, 'Purchases', {
    bucket: queryLake.bucket,
    layout: queryLake.layout,
    tableName: 'purchases',
    schema: clicks,
  });
  const sessions = new CrawledCatalog(queryStack, 'Sessions', {
    bucket: queryLake.bucket,
    layout: queryLake.layout,
    tableName: 'sessions',
  });
  const workGroup = new AthenaQueryLayer(queryStack, 'Queries', {
    tables: [purchases, sessions],
    bytesScannedCutoffPerQuery: Size.gibibytes(50),
    serverAccessLogsBucket: queryLake.accessLogsBucket,
  });
  const queryAnalyst = new iam.Role(queryStack, 'Analyst', {
    assumedBy: new iam.AccountRootPrincipal(),
    description: 'Example analyst: may query the purchases and sessions tables in one workgroup',
  });
  workGroup.grantQuery(queryAnalyst);
  // QuickSight over the purchases table (opt-in): SPICE refreshed daily, with the starter
  //    analysis and dashboard. The QuickSight subscription and the group must exist (README).
  new QuickSightDataSet(queryStack, 'PurchasesDataSet', {
    queryLayer: workGroup,
    catalog: purchases,
    owners: ['arn:aws:quicksight:us-east-1:111122223333:group/default/analysts'],
    importMode: DataSetImportMode.spice({ refresh: SpiceRefresh.daily({ timeOfDay: '02:30', timeZone: 'Europe/Berlin' }) }),
    starterDashboard: true,
  });
  new AthenaQueryLayer(queryStack, 'Reports', {
    tables: [purchases],
    results: QueryResultsLocation.inBucket(queryLake.bucket, 'athena-results/reports/'),
    resultReuseMaxAge: Duration.hours(1),
  });

  // 7. Monitoring: a Parquet lake with event-driven registration and a JSON-lines lake with the
  //    bundled newline Lambda and a crawler, each watched stage by stage, one composite alarm per
  //    lake notifying an encrypted topic, and a dashboard per lake.
  const monitoredStack = new Stack(app, 'MonitoringExample', {
    description: 'cdk-serverless-data-lake example: alarms with runbooks and a dashboard for every stage of two lakes',
  });
  const monitoredLake = new PartitionedParquetLake(monitoredStack, 'Lake', { eventBridgeEnabled: true });
  const ordersIngest = new StreamIngest(monitoredStack, 'OrdersIngest');
  const ordersCatalog = new CrawledCatalog(monitoredStack, 'Orders', {
    bucket: monitoredLake.bucket,
    layout: monitoredLake.layout,
    tableName: 'orders',
    schema: clicks,
    partitionDiscovery: PartitionDiscovery.eventDriven(),
  });
  const ordersDelivery = new NewlineTransformFirehose(monitoredStack, 'OrdersDelivery', {
    stream: ordersIngest.stream,
    bucket: monitoredLake.bucket,
    layout: monitoredLake.layout,
    tableName: 'orders',
    table: ordersCatalog.table,
  });
  const ordersQueries = new AthenaQueryLayer(monitoredStack, 'Queries', { tables: [ordersCatalog], serverAccessLogsBucket: monitoredLake.accessLogsBucket });
  new LakeMonitoring(monitoredStack, 'OrdersMonitoring', {
    ingest: ordersIngest,
    delivery: ordersDelivery,
    catalog: ordersCatalog,
    queryLayer: ordersQueries,
    alarmActions: LakeAlarmActions.newTopic(),
  });
  const logsIngest = new StreamIngest(monitoredStack, 'AppLogsIngest', { retentionPeriod: Duration.hours(24) });
  const logsCatalog = new CrawledCatalog(monitoredStack, 'AppLogs', { bucket: monitoredLake.bucket, layout: monitoredLake.layout, tableName: 'app_logs' });
  const logsDelivery = new NewlineTransformFirehose(monitoredStack, 'AppLogsDelivery', {
    stream: logsIngest.stream,
    bucket: monitoredLake.bucket,
    layout: monitoredLake.layout,
    tableName: 'app_logs',
  });
  new LakeMonitoring(monitoredStack, 'AppLogsMonitoring', {
    ingest: logsIngest,
    delivery: logsDelivery,
    catalog: logsCatalog,
    alarmActions: LakeAlarmActions.newTopic(),
  });

  // 8. The whole pipeline in one call per table: a schema-first lake (Parquet, projection) and a
  //    schema-on-read lake (JSON lines, newline Lambda, crawler) sharing the first one's bucket,
  //    key, database and workgroup; monitoring on, QuickSight off. The Python and Java example
  //    apps synthesize this same stack.
  const facadeStack = new Stack(app, 'ServerlessDataLakeExample', {
    description: 'cdk-serverless-data-lake example: two lakes, each in one call, sharing a bucket, a key, a database and a workgroup',
  });
  const clickLake = new ServerlessDataLake(facadeStack, 'Clicks', {
    tableName: 'clicks',
    columns: [
      { name: 'event_id', type: ColumnType.STRING },
      { name: 'user_id', type: ColumnType.BIGINT },
      { name: 'amount', type: ColumnType.decimal(10, 2) },
      { name: 'event_time', type: ColumnType.TIMESTAMP },
    ],
    monitoringOptions: { alarmActions: LakeAlarmActions.newTopic() },
    // Replays of the raw backup and the error output, invoked by you (replayPayload).
    batchTrigger: { source: BatchTriggerSource.directInvoke() },
  });
  const rawLake = new ServerlessDataLake(facadeStack, 'Raw', { tableName: 'raw_events', shareWith: clickLake });
  const facadeProducer = new iam.Role(facadeStack, 'Producer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Example producer: may put records into the clicks and raw_events streams',
  });
  clickLake.grantWrite(facadeProducer);
  rawLake.grantWrite(facadeProducer);
  const facadeAnalyst = new iam.Role(facadeStack, 'Analyst', {
    assumedBy: new iam.AccountRootPrincipal(),
    description: 'Example analyst: may query the clicks table',
  });
  clickLake.grantQuery(facadeAnalyst);
  // What "Deploying it" in the README needs to put a record and query it.
  new CfnOutput(facadeStack, 'ClicksStreamName', { value: clickLake.ingest.stream.streamName });
  new CfnOutput(facadeStack, 'WorkGroupName', { value: clickLake.queryLayer.workGroupName });
  new CfnOutput(facadeStack, 'DatabaseName', { value: clickLake.catalog.databaseName });

  // 9. Batch: files landing under a prefix of the lake bucket, fed into the stream as they
  //    arrive (S3 Object Created through EventBridge), and an hourly scheduled load of another
  //    prefix; both producers can replay the table's raw backup and error output.
  const batchStack = new Stack(app, 'BatchExample', {
    description: 'cdk-serverless-data-lake example: batch files, scheduled loads and replays into the stream',
  });
  const batchLake = new PartitionedParquetLake(batchStack, 'Lake', { eventBridgeEnabled: true });
  const batchIngest = new StreamIngest(batchStack, 'Ingest');
  const replay = { bucket: batchLake.bucket, layout: batchLake.layout, tables: ['orders'] };
  new BatchTrigger(batchStack, 'Landing', {
    stream: batchIngest.stream,
    source: BatchTriggerSource.s3Objects({ bucket: batchLake.bucket, prefix: 'landing/orders/' }),
    producer: BatchProducer.bundled({ partitionKeyField: 'order_id' }),
    replay,
  });
  new BatchTrigger(batchStack, 'Hourly', {
    stream: batchIngest.stream,
    source: BatchTriggerSource.schedule(eventbridge.Schedule.rate(Duration.hours(1)), { objects: { bucket: batchLake.bucket, prefix: 'exports/orders/' } }),
    replay,
  });

  // 10. Iceberg: the same pipeline delivered into Apache Iceberg tables with Glue's compaction,
  //     snapshot retention and orphan file deletion. An append-only event table partitioned by
  //     hour of its event time, and an orders table Firehose upserts by order id, partitioned by
  //     hour of its update time (the shared layout is hourly), sharing the first lake's bucket, key, database and workgroup. The Python and Java
  //     example apps synthesize this same stack.
  const icebergStack = new Stack(app, 'IcebergExample', {
    description: 'cdk-serverless-data-lake example: Firehose into Apache Iceberg tables, compacted by Glue',
  });
  const eventsLake = new ServerlessDataLake(icebergStack, 'Events', {
    tableName: 'events',
    columns: [
      { name: 'event_id', type: ColumnType.STRING },
      { name: 'user_id', type: ColumnType.BIGINT },
      { name: 'kind', type: ColumnType.STRING },
      { name: 'event_time', type: ColumnType.TIMESTAMP, comment: 'when it happened (UTC); send epoch microseconds or ISO-8601' },
    ],
    catalog: { tableFormat: TableFormat.iceberg({ partitionColumn: 'event_time' }) },
  });
  const ordersLake = new ServerlessDataLake(icebergStack, 'Orders', {
    tableName: 'orders',
    columns: [
      { name: 'order_id', type: ColumnType.STRING },
      { name: 'status', type: ColumnType.STRING },
      { name: 'amount', type: ColumnType.decimal(12, 2) },
      { name: 'updated_at', type: ColumnType.TIMESTAMP },
    ],
    shareWith: eventsLake,
    catalog: {
      tableFormat: TableFormat.iceberg({ partitionColumn: 'updated_at', uniqueKeys: ['order_id'], snapshotRetentionPeriod: Duration.days(7) }),
    },
    delivery: { bufferingInterval: Duration.seconds(60) },
  });
  const icebergAnalyst = new iam.Role(icebergStack, 'Analyst', {
    assumedBy: new iam.AccountRootPrincipal(),
    description: 'Example analyst: may query the events and orders tables',
  });
  eventsLake.grantQuery(icebergAnalyst);
  ordersLake.grantQuery(icebergAnalyst);

  return app;
}

/**
 * A Firehose processor of the app's own (see `redact-transform.ts`): its own role, which may
 * write to its own log group only, and a log group kept for a month.
 */
function redactingTransform(scope: Construct, id: string, fields: string[]): lambda.IFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Example Firehose processor: writes its own logs, nothing else',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(logGroup.node.defaultChild as CfnResource)}.Arn>]`,
    reason: 'The function writes to the streams of its own log group only; Lambda names them at run time',
  });
  return new lambda.Function(scope, id, {
    description: 'Example Firehose processor: drops the redacted fields, one JSON object per line',
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(REDACT_TRANSFORM_SOURCE),
    environment: { REDACTED_FIELDS: fields.join(',') },
    memorySize: 256,
    timeout: Duration.minutes(1),
    role,
    logGroup,
  });
}
