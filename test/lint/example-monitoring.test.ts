import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildExampleApp } from '../../examples/typescript/stacks';

// The monitoring example's dashboards are valid JSON and name only alarms and metrics of
// resources the stack defines; every alarm of the stack feeds a lake's composite alarm.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-monitoring-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Resource = { Type: string; Properties: Record<string, any> };
const assembly = buildExampleApp({ outdir: dir, context: { '@aws-cdk/core:validateAgainstDefaultRules': false } }).synth();
const resources: Record<string, Resource> = assembly.getStackByName('MonitoringExample').template.Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** A dashboard body with each `Ref` as `ref:<id>` and each `Fn::GetAtt` as `att:<id>`, parsed. */
function body(r: Resource): any {
  const parts = r.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const o = p as Record<string, any>;
      if (o.Ref) return o.Ref.startsWith('AWS::') ? `pseudo:${o.Ref}` : `ref:${o.Ref}`;
      if (o['Fn::GetAtt']) return `att:${o['Fn::GetAtt'][0]}`;
      throw new Error(`unexpected part ${JSON.stringify(o)}`);
    })
    .join('');
  return JSON.parse(text);
}

describe('MonitoringExample', () => {
  const dashboards = ofType('AWS::CloudWatch::Dashboard');
  const alarms = new Set([...ofType('AWS::CloudWatch::Alarm'), ...ofType('AWS::CloudWatch::CompositeAlarm')].map(([id]) => id));

  test('one dashboard and one composite alarm per lake', () => {
    expect(dashboards).toHaveLength(2);
    expect(ofType('AWS::CloudWatch::CompositeAlarm')).toHaveLength(2);
  });

  test.each(['OrdersMonitoring', 'AppLogsMonitoring'])('%s: the dashboard names only this stack\'s alarms and resources', (name) => {
    const [, dashboard] = dashboards.find(([id]) => id.startsWith(name))!;
    const widgets = body(dashboard).widgets as Array<{ properties: Record<string, any> }>;
    const named = widgets.flatMap((w) => [...(w.properties.alarms ?? []), ...(w.properties.annotations?.alarms ?? [])]) as string[];
    expect(named.length).toBeGreaterThan(3);
    for (const a of named) expect(alarms).toContain(a.replace(/^att:/, ''));
    const refs = widgets.flatMap((w) => (w.properties.metrics ?? []).flat()).filter((x: unknown) => typeof x === 'string' && x.startsWith('ref:')) as string[];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(resources)).toContain(ref.slice('ref:'.length));
  });

  test('every stage alarm feeds a composite alarm', () => {
    const rules = ofType('AWS::CloudWatch::CompositeAlarm').map(([, r]) => JSON.stringify(r.Properties.AlarmRule)).join(' ');
    for (const [id] of ofType('AWS::CloudWatch::Alarm')) expect(rules).toContain(`"${id}"`);
  });
});
