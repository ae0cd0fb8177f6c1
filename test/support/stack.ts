import { App, Stack } from 'aws-cdk-lib';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/**
 * A stack in an app with a concrete environment. CDK's built-in CloudFormation validation is
 * off here (it costs seconds per synth); the template-lint tests and the example synth keep it on.
 */
export function newStack(id = 'TestStack'): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION } });
}
