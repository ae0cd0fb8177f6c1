import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, describe, expect, test } from 'vitest';
import { REDACT_TRANSFORM_SOURCE } from '../../examples/typescript/redact-transform';
import { buildExampleApp } from '../../examples/typescript/stacks';

// The delivery example must be one a user could deploy and get correct data from: each table has
// a stream of its own, and every processor it names is a function it deploys, whose code works.

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'example-delivery-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Resource = { Type: string; Properties: Record<string, any> };
function deliveryTemplate(): Record<string, Resource> {
  const assembly = buildExampleApp({ outdir: tmp(), context: { '@aws-cdk/core:validateAgainstDefaultRules': false } }).synth();
  return assembly.getStackByName('DeliveryExample').template.Resources;
}

describe('DeliveryExample', () => {
  const resources = deliveryTemplate();
  const deliveryStreams = Object.values(resources).filter((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream');

  test('four delivery streams, each reading a Kinesis stream of its own in the same stack', () => {
    expect(deliveryStreams).toHaveLength(4);
    const sources = deliveryStreams.map((d) => d.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN['Fn::GetAtt']);
    const streamIds = sources.map(([id, attr]: [string, string]) => {
      expect(attr).toBe('Arn');
      expect(resources[id].Type).toBe('AWS::Kinesis::Stream');
      return id;
    });
    expect(new Set(streamIds).size).toBe(4);
  });

  test('every processor is a function the stack deploys, none an ARN of a function that may not exist', () => {
    const lambdaArns = deliveryStreams.flatMap((d) => (d.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration?.Processors ?? [])
      .flatMap((p: { Parameters: Array<{ ParameterName: string; ParameterValue: unknown }> }) => p.Parameters)
      .filter((p: { ParameterName: string }) => p.ParameterName === 'LambdaArn')
      .map((p: { ParameterValue: unknown }) => p.ParameterValue));
    // JsonBundled (the bundled newline Lambda) and JsonYours (the redacting one); Parquet and
    // JsonNative run no Lambda.
    expect(lambdaArns).toHaveLength(2);
    for (const arn of lambdaArns) {
      expect(arn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(resources[(arn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]].Type).toBe('AWS::Lambda::Function');
    }
    const inline = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code.ZipFile);
    expect(inline.map((r) => [r.Properties.Code.ZipFile, r.Properties.Runtime, r.Properties.Environment.Variables.REDACTED_FIELDS]))
      .toEqual([[REDACT_TRANSFORM_SOURCE, 'nodejs24.x', 'password,card_number']]);
  });
});

describe('the example\'s redacting processor, run as Lambda would run it', () => {
  // Lambda loads index.js as CommonJS and calls exports.handler: do the same with the exact source.
  function load(fields: string): (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult> {
    const dir = tmp();
    const file = path.join(dir, 'index.js');
    fs.writeFileSync(file, REDACT_TRANSFORM_SOURCE);
    const previous = process.env.REDACTED_FIELDS;
    process.env.REDACTED_FIELDS = fields;
    try {
      return createRequire(file)(file).handler;
    } finally {
      if (previous === undefined) delete process.env.REDACTED_FIELDS;
      else process.env.REDACTED_FIELDS = previous;
    }
  }
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

  /** A transformation event from a delivery stream whose source is a Kinesis data stream. */
  function event(data: string[]): FirehoseTransformationEvent {
    return {
      invocationId: '0b6f7d2e-6a0e-4d55-9d7e-2b1f4d3c5a61',
      deliveryStreamArn: 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/DeliveryExample-JsonYoursDelivery',
      sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/DeliveryExample-JsonYoursIngest',
      region: 'eu-west-1',
      records: data.map((d, i) => ({
        recordId: `4954698668313554428650745793632162567570019247115678515${i}`,
        approximateArrivalTimestamp: 1764220353511 + i,
        data: b64(d),
        kinesisRecordMetadata: {
          shardId: 'shardId-000000000000',
          partitionKey: `user-${i}`,
          approximateArrivalTimestamp: 1764220353511 + i,
          sequenceNumber: `4954698668313554428650745793632162567570019247115678515${i}`,
          subsequenceNumber: '',
        },
      })),
    } as FirehoseTransformationEvent;
  }

  test('drops the redacted fields, ends each record with a newline, keeps record IDs and order', async () => {
    const handler = load('password,card_number');
    const input = event([
      '{"user":"ana","password":"hunter2","action":"login"}',
      '{"user":"bo","card_number":"4111111111111111","amount":12.5,"nested":{"password":"kept: only top-level fields are named"}}',
      '{"user":"cy"}\n',
    ]);
    const out = await handler(input);
    expect(out.records.map((r) => r.recordId)).toEqual(input.records.map((r) => r.recordId));
    expect(out.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok']);
    expect(out.records.map((r) => unb64(r.data!))).toEqual([
      '{"user":"ana","action":"login"}\n',
      '{"user":"bo","amount":12.5,"nested":{"password":"kept: only top-level fields are named"}}\n',
      '{"user":"cy"}\n',
    ]);
  });

  test('a record that is not a JSON object is returned ProcessingFailed, unchanged, for the errors/ prefix', async () => {
    const handler = load('password');
    const input = event(['not json', '[1,2]', 'null', '{"ok":true}']);
    const out = await handler(input);
    expect(out.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'ProcessingFailed', 'ProcessingFailed', 'Ok']);
    expect(out.records.slice(0, 3).map((r) => r.data)).toEqual(input.records.slice(0, 3).map((r) => r.data));
  });

  test('with no fields configured it only adds the newline', async () => {
    const handler = load('');
    const out = await handler(event(['{"password":"x"}']));
    expect(unb64(out.records[0].data!)).toBe('{"password":"x"}\n');
  });
});
