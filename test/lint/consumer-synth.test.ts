import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnMapping, Stack } from 'aws-cdk-lib';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ColumnType, CrawledCatalog, NewlineTransformFirehose, PartitionedParquetLake, StreamIngest, TableSchema } from '../../src';

// A platform team's first synth: a fresh app with the README's delivery snippet (Parquet) and a
// JSON-lines delivery next to it, CDK's built-in CloudFormation validation on (aws-cdk-lib's
// default), nothing acknowledged by the app. It must print no warning and its validation report
// must hold no violation: whatever the library's own use of aws-cdk-lib causes, the library
// acknowledges, and nothing else.

const dirs: string[] = [];
function outdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let printed: string[] = [];
beforeEach(() => {
  printed = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  }
  for (const method of ['log', 'warn', 'error', 'info'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

function consumerApp(withJsonLines: boolean): { app: App; stack: Stack } {
  const app = new App({ outdir: outdir(), context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, 'ConsumerLake');
  const ingest = new StreamIngest(stack, 'Ingest');
  const lake = new PartitionedParquetLake(stack, 'Lake');
  const catalog = new CrawledCatalog(stack, 'Catalog', {
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: 'clicks',
    schema: new TableSchema([
      { name: 'event_id', type: ColumnType.STRING },
      { name: 'clicked_at', type: ColumnType.TIMESTAMP },
    ]),
  });
  new NewlineTransformFirehose(stack, 'Delivery', {
    stream: ingest.stream,
    bucket: lake.bucket,
    layout: lake.layout,
    tableName: catalog.tableName,
    table: catalog.table,
  });
  if (withJsonLines) {
    const raw = new StreamIngest(stack, 'RawIngest');
    new NewlineTransformFirehose(stack, 'RawDelivery', { stream: raw.stream, bucket: lake.bucket, layout: lake.layout, tableName: 'raw_clicks' });
  }
  return { app, stack };
}

describe('a consumer app with the README delivery snippet', () => {
  test.each([
    ['Parquet only', false],
    ['Parquet and JSON lines, two delivery streams in one stack', true],
  ])('%s: synthesizes with no warning printed and no unacknowledged finding', (_name, withJsonLines) => {
    const { app } = consumerApp(withJsonLines);
    const assembly = app.synth();
    expect(printed.join('')).toBe('');
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf-8'));
    type Suppressed = { ruleName: string; acknowledgedAt: string; description: string };
    const reports = report.pluginReports as Array<{ conclusion: string; violations: unknown[]; suppressedViolations: Suppressed[] }>;
    expect(reports.map((r) => r.conclusion)).toEqual(['success']);
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    // What is acknowledged is exactly the Firehose mapping, on the stack.
    expect(reports.flatMap((r) => r.suppressedViolations).map((v) => [v.ruleName, v.acknowledgedAt, v.description])).toEqual([
      ['W7001', 'ConsumerLake', expect.stringMatching(/^Mappings\/awscdkawskinesisfirehoseCidrBlocks:/)],
    ]);
    // The mapping is still there (aws-cdk-lib's DeliveryStream adds it), acknowledged, not removed.
    const template = assembly.getStackByName('ConsumerLake').template;
    expect(Object.keys(template.Mappings ?? {})).toEqual([expect.stringMatching(/CidrBlocks$/)]);
  });

  test('a stack with an unused mapping of its own still gets W7001 reported: the check is live and the library hides nothing of the app\'s', () => {
    const { app, stack } = consumerApp(false);
    new CfnMapping(stack, 'AppOwnMapping', { mapping: { 'eu-west-1': { ami: 'ami-12345678' } } });
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf-8'));
    const violations = report.pluginReports.flatMap((p: { violations?: Array<{ ruleName: string }> }) => p.violations ?? []);
    expect(violations.map((v: { ruleName: string; description: string }) => [v.ruleName, v.description.split(':')[0]]).sort()).toEqual([
      ['W7001', 'Mappings/AppOwnMapping'],
      ['W7001', 'Mappings/awscdkawskinesisfirehoseCidrBlocks'],
    ]);
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')).toEqual([]);
  });

  test('the acknowledgement is W7001 only, once, on the stack the mapping is in, with its reason', () => {
    const { app, stack } = consumerApp(true);
    app.synth();
    const acknowledged = stack.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .map((m) => ({ path: c.node.path, rules: m.data as Record<string, string> })))
      .filter((a) => Object.keys(a.rules).some((id) => id.startsWith('CloudFormation-Validate')));
    expect(acknowledged).toEqual([{
      path: 'ConsumerLake',
      rules: { 'CloudFormation-Validate::W7001': expect.stringMatching(/only mapping is awscdkawskinesisfirehoseCidrBlocks.*VPC destinations; delivery into S3 never reads it/) },
    }]);
  });
});
