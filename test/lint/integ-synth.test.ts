import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { buildIntegApp } from '../integ/integ.pipeline';

// The deployable integration tests cannot be deployed here, but they must synthesize: the test
// case stack, the assertion stack, and the integ manifest integ-runner reads.
describe('integ.pipeline', () => {
  test('synthesizes the pipeline and its assertions', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
    try {
      const assembly = buildIntegApp({ outdir }).synth();
      const names = assembly.stacks.map((s) => s.stackName);
      expect(names).toContain('ServerlessDataLakePipelineInteg');
      const assertions = assembly.stacks.find((s) => s.stackName !== 'ServerlessDataLakePipelineInteg')!;
      const types = Object.values((assertions.template as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
      // putRecord, listObjectsV2, startQueryExecution, getQueryExecution
      expect(types.filter((t) => t === 'Custom::DeployAssert@SdkCallKinesisputRecord')).toHaveLength(1);
      expect(types.filter((t) => t.startsWith('Custom::DeployAssert@SdkCallS3listObjectsV2'))).toHaveLength(1);
      expect(types.filter((t) => t.startsWith('Custom::DeployAssert@SdkCallAthena'))).toHaveLength(2);
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'integ.json'), 'utf-8'));
      expect(Object.keys(manifest.testCases)).toEqual(['PipelineTest/DefaultTest']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
