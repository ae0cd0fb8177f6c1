import { App, AppProps, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ColumnType, ServerlessDataLake, ServerlessDataLakeProps } from '../../src';

/**
 * Many lakes in one stack, at the sizes the README promises: 60 schema-first lakes without
 * monitoring (and without saved queries), and 30 with everything on. The lakes share the first
 * one's bucket, key, database and workgroup. cdk-nag AwsSolutions and CDK's built-in
 * CloudFormation validation run at synth, as in the example app.
 */
export function buildScaleApp(props: AppProps = {}): App {
  const app = new App({
    ...props,
    context: { ...props.context, '@aws-cdk/core:validateAgainstDefaultRules': true },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  lakes(app, 'ScaleLakes60', 60, { monitoring: false, savedQueries: false });
  lakes(app, 'ScaleLakes30Monitored', 30, {});
  return app;
}

function lakes(app: App, stackName: string, count: number, props: Partial<ServerlessDataLakeProps>): Stack {
  const stack = new Stack(app, stackName, {
    description: `cdk-serverless-data-lake example: ${count} schema-first lakes in one stack`,
  });
  const columns = [
    { name: 'event_id', type: ColumnType.STRING },
    { name: 'user_id', type: ColumnType.BIGINT },
    { name: 'amount', type: ColumnType.decimal(10, 2) },
    { name: 'event_time', type: ColumnType.TIMESTAMP },
  ];
  const first = new ServerlessDataLake(stack, 'Lake0', { tableName: 'events_0', columns, ...props });
  for (let i = 1; i < count; i++) {
    new ServerlessDataLake(stack, `Lake${i}`, { tableName: `events_${i}`, columns, shareWith: first, ...props });
  }
  return stack;
}
