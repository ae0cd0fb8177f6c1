import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { afterAll, describe, expect, test } from 'vitest';
import { buildExampleApp } from '../../examples/typescript/stacks';

// The example lake synthesizes with cdk-nag AwsSolutions and CDK's built-in CloudFormation
// validation (resource schemas plus the CDK team's rules) both turned into errors.
// cfn-lint runs on the same templates in CI.

const dirs: string[] = [];
function outdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'example-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('example lake', () => {
  test('synthesizes every stack with no validation finding', () => {
    const assembly = buildExampleApp({ outdir: outdir() }).synth();
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['BatchExample', 'DeliveryExample', 'IcebergExample', 'LakeCatalogExample', 'MonitoringExample', 'QueryExample', 'SchemaOnReadExample', 'ServerlessDataLakeExample', 'StreamIngestExample', 'StreamIngestVariantsExample']);
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf-8'));
    for (const plugin of report.pluginReports) {
      expect(plugin.conclusion).toBe('success');
      expect(plugin.violations ?? []).toEqual([]);
      // Anything acknowledged carries its reason.
      for (const s of plugin.suppressedViolations ?? []) expect(s.reason).toMatch(/\w{10,}/);
    }
  });

  test('fails the synth on a template CloudFormation would reject (the validator is live)', () => {
    const app = buildExampleApp({ outdir: outdir() });
    const stack = app.node.findChild('StreamIngestExample') as Stack;
    new CfnResource(stack, 'Broken', { type: 'AWS::Kinesis::Stream', properties: { ShardCount: 0, StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } } });
    expect(() => app.synth()).toThrow(/ShardCount: 0 is less than the minimum of 1/);
  });

  test('fails the synth on an unacknowledged cdk-nag finding (the nag pack is live)', () => {
    const app = buildExampleApp({ outdir: outdir() });
    const stack = app.node.findChild('StreamIngestExample') as Stack;
    new kinesis.CfnStream(stack, 'Plain', { shardCount: 1 });
    expect(() => app.synth()).toThrow(/AwsSolutions-KDS1/);
  });
});
