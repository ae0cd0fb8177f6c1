import { App, AppProps, ArnFormat, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  ColumnType,
  CrawledCatalog,
  IngestEncryption,
  NewlineStrategy,
  NewlineTransformFirehose,
  PartitionDiscovery,
  PartitionLayout,
  PartitionedParquetLake,
  RecrawlPolicy,
  StreamCapacity,
  StreamIngest,
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

  // 5. The delivery stage: one stream into the lake, one table per newline strategy and format.
  const deliveryStack = new Stack(app, 'DeliveryExample', {
    description: 'cdk-serverless-data-lake example: Firehose delivery as Parquet and JSON lines, with each newline strategy',
  });
  const ingest = new StreamIngest(deliveryStack, 'Ingest');
  const deliveryLake = new PartitionedParquetLake(deliveryStack, 'Lake');
  const events = new TableSchema([
    { name: 'event_id', type: ColumnType.STRING },
    { name: 'occurred_at', type: ColumnType.TIMESTAMP },
    { name: 'amount', type: ColumnType.decimal(12, 2) },
  ]);
  const tables: Array<[string, string, TableSchema | undefined, NewlineStrategy | undefined]> = [
    ['ParquetBundled', 'orders', events, undefined],
    ['JsonBundled', 'sensor_readings', undefined, undefined],
    ['ParquetNative', 'payments', events, NewlineStrategy.appendDelimiter()],
    ['JsonYours', 'audit_log', undefined, NewlineStrategy.lambdaFunction(
      lambda.Function.fromFunctionArn(deliveryStack, 'YourTransform', deliveryStack.formatArn({ service: 'lambda', resource: 'function', resourceName: 'your-transform', arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    )],
  ];
  for (const [id, tableName, schema, newline] of tables) {
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

  // The Firehose L2 adds a region-to-CIDR mapping to every stack with a delivery stream; only
  // delivery into a VPC reads it, so CloudFormation validation reports it unused.
  Validations.of(deliveryStack).acknowledge({
    id: 'CloudFormation-Validate::W7001',
    reason: 'aws-cdk-lib\'s Firehose construct adds the awscdkawskinesisfirehoseCidrBlocks mapping for VPC destinations; S3 delivery does not read it',
  });

  return app;
}
