import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** A finding: the rule ID (granular where the rule is) and the construct path it is on. */
export interface NagFinding {
  readonly rule: string;
  readonly path: string;
}

/**
 * Every unacknowledged AwsSolutions finding in the tree under `scope`, the way the cdk-nag
 * validation plugin sees it at synth (acknowledgements included).
 */
export function awsSolutionsFindings(scope: IConstruct): NagFinding[] {
  const report = new AwsSolutionsChecks(scope, { verbose: true }).validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
}
