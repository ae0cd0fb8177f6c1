import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { IngestEncryption, StreamCapacity, StreamIngest, StreamIngestProps } from '../../src';
import { awsSolutionsFindings } from '../support/nag';
import { newStack } from '../support/stack';

// cdk-nag AwsSolutions on every construct configuration: zero unacknowledged findings.
// Acknowledgements live next to the resource they concern, each with its reason.

describe('StreamIngest', () => {
  const configurations: Array<[string, (stack: Stack) => StreamIngestProps]> = [
    ['defaults', () => ({})],
    ['on-demand', () => ({ capacity: StreamCapacity.onDemand() })],
    ['your key', (stack) => ({ encryption: IngestEncryption.key(new kms.Key(stack, 'Shared', { enableKeyRotation: true })) })],
    ['the AWS-managed key', () => ({ encryption: IngestEncryption.awsManagedKey() })],
    ['your stream', (stack) => ({ stream: new kinesis.Stream(stack, 'Yours', { encryption: kinesis.StreamEncryption.MANAGED }) })],
  ];

  test.each(configurations)('has no unacknowledged finding with %s', (_name, props) => {
    const stack = newStack();
    new StreamIngest(stack, 'Ingest', props(stack));
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('the customer-managed key is acknowledged for KDS3 (which asks for aws/kinesis) on the stream only, with its reason', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest');
    const entries = ingest.stream.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    const acknowledged = Object.assign({}, ...entries.map((e) => e.data as Record<string, string>));
    expect(Object.keys(acknowledged).map((k) => k.replace(/^annotation::/i, ''))).toEqual(['AwsSolutions-KDS3']);
    expect(Object.values(acknowledged)[0]).toMatch(/customer-managed KMS key on purpose: its key policy can be audited/);
  });

  test('the AWS-managed key needs no acknowledgement', () => {
    const stack = newStack();
    const ingest = new StreamIngest(stack, 'Ingest', { encryption: IngestEncryption.awsManagedKey() });
    expect(ingest.stream.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);
  });

  test('an unencrypted stream of yours would be reported (the check is live)', () => {
    const stack = newStack();
    new kinesis.Stream(stack, 'Plain', { encryption: kinesis.StreamEncryption.UNENCRYPTED });
    expect(awsSolutionsFindings(stack).map((f) => f.rule)).toContain('AwsSolutions-KDS1');
  });

  test('the cdk-nag validation plugin passes a synth of the default construct', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'NagStack');
    new StreamIngest(stack, 'Ingest');
    expect(() => app.synth()).not.toThrow();
  });
});
