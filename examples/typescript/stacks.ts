import { App, AppProps, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IngestEncryption, StreamCapacity, StreamIngest } from '../../src';

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

  return app;
}
