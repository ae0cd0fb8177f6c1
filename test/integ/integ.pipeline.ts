/**
 * Deployable integration test of the delivery pipeline: a record put into the stream lands in
 * the lake as Parquet under its hour's partition, and Athena reads it back through the catalog.
 *
 * It needs an AWS account: run it with `npx integ-runner` (from `@aws-cdk/integ-runner`). CI
 * synthesizes it (test/lint/integ-synth.test.ts) but cannot deploy it.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, AppProps, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  ColumnType,
  CrawledCatalog,
  NewlineTransformFirehose,
  PartitionedParquetLake,
  StreamIngest,
  TableSchema,
} from '../../src';

export function buildIntegApp(props: AppProps = {}): App {
  const app = new App(props);
  const stack = new Stack(app, 'ServerlessDataLakePipelineInteg');

  // Throwaway resources: everything is deleted with the test stack.
  const ingest = new StreamIngest(stack, 'Ingest', { removalPolicy: RemovalPolicy.DESTROY });
  const lake = new PartitionedParquetLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
  const catalog = new CrawledCatalog(stack, 'Catalog', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'orders',
    schema: new TableSchema([
      { name: 'order_id', type: ColumnType.STRING },
      { name: 'amount', type: ColumnType.DOUBLE },
    ]),
  });
  new NewlineTransformFirehose(stack, 'Delivery', {
    stream: ingest.stream,
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: catalog.tableName,
    table: catalog.table,
    bufferingInterval: Duration.seconds(60),
  });

  const integ = new IntegTest(app, 'PipelineTest', {
    testCases: [stack],
    diffAssets: true,
    stackUpdateWorkflow: false,
  });

  // 1. A producer puts one record.
  const put = integ.assertions.awsApiCall('Kinesis', 'putRecord', {
    StreamName: ingest.stream.streamName,
    PartitionKey: 'integ',
    Data: JSON.stringify({ order_id: 'o-1', amount: 12.5 }),
  });
  put.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [ingest.encryptionKey!.keyArn] });

  // 2. Firehose delivers it under the table's hourly partitions.
  const delivered = integ.assertions
    .awsApiCall('S3', 'listObjectsV2', { Bucket: lake.bucket.bucketName, Prefix: 'orders/year=' })
    .expect(ExpectedResult.objectLike({ KeyCount: 1 }))
    .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });

  // 3. Athena reads it through the catalog, with partition projection and no crawler.
  const query = integ.assertions.awsApiCall('Athena', 'startQueryExecution', {
    QueryString: `SELECT order_id, amount FROM "${catalog.databaseName}"."orders" WHERE order_id = 'o-1'`,
    ResultConfiguration: { OutputLocation: `s3://${lake.bucket.bucketName}/athena-results/` },
  });
  for (const provider of [delivered.provider, query.provider]) {
    provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:PutObject'], Resource: [lake.bucket.bucketArn, lake.bucket.arnForObjects('*')] });
    provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [lake.encryptionKey!.keyArn] });
    provider.addToRolePolicy({ Effect: 'Allow', Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'], Resource: [catalog.catalogArn, catalog.databaseArn, catalog.tableArn] });
  }
  const answered = integ.assertions
    .awsApiCall('Athena', 'getQueryExecution', { QueryExecutionId: query.getAttString('QueryExecutionId') })
    .expect(ExpectedResult.objectLike({ QueryExecution: { Status: { State: 'SUCCEEDED' } } }))
    .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) });

  put.next(delivered).next(query).next(answered);
  return app;
}

if (require.main === module) {
  buildIntegApp().synth();
}
