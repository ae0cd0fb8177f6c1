/**
 * The scale stacks (60 lakes, and 30 monitored lakes, in one stack each): synthesizes into
 * ./cdk.out/scale (or $CDK_OUTDIR) with no AWS account, and prints resources, template size and key-policy size.
 *
 *   npx ts-node --project examples/typescript/tsconfig.json examples/typescript/scale-app.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildScaleApp } from './scale';

const outdir = path.resolve(process.env.CDK_OUTDIR ?? 'cdk.out/scale');
fs.rmSync(outdir, { recursive: true, force: true });
const assembly = buildScaleApp({ outdir }).synth();
for (const stack of assembly.stacks) {
  const template = stack.template as { Resources: Record<string, { Type: string; Properties: { KeyPolicy?: unknown } }> };
  const resources = Object.values(template.Resources);
  const keyPolicies = resources.filter((r) => r.Type === 'AWS::KMS::Key').map((r) => JSON.stringify(r.Properties.KeyPolicy).length);
  const bytes = fs.statSync(stack.templateFullPath).size;
  console.log(`${stack.stackName}: ${resources.length} resources (limit 500), template ${bytes} bytes (limit 1 MB), largest key policy ${Math.max(...keyPolicies)} bytes (limit 32 KB)`);
}
