/**
 * The example lake: synthesizes into ./cdk.out with no AWS account and no credentials, runs
 * cdk-nag AwsSolutions and CDK's built-in CloudFormation validation on every stack (a finding
 * fails the synth), and prints what it built and where the templates are.
 *
 *   npm run example
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildExampleApp } from './stacks';

const outdir = path.resolve(process.env.CDK_OUTDIR ?? 'cdk.out');
fs.rmSync(outdir, { recursive: true, force: true });

let assembly;
try {
  assembly = buildExampleApp({ outdir }).synth();
} catch (e) {
  console.error((e as Error).message);
  console.error('\nexample synth failed: fix each finding above, or acknowledge it with its reason');
  process.exit(1);
}

const where = (p: string) => path.relative(process.cwd(), p) || '.';
console.log(`Synthesized ${assembly.stacks.length} stacks into ${where(outdir)}; cdk-nag AwsSolutions and CloudFormation validation found nothing unacknowledged`);
for (const stack of assembly.stacks) {
  const resources = Object.values((stack.template as { Resources: Record<string, { Type: string }> }).Resources);
  const byType = new Map<string, number>();
  for (const r of resources) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
  const types = [...byType.entries()].sort().map(([t, n]) => `${n} ${t}`).join(', ');
  console.log(`  ${stack.stackName}  ${where(stack.templateFullPath)}`);
  console.log(`    ${resources.length} resources: ${types}`);
}
