import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The metadata key cdk-nag 3 and the CDK validation report read acknowledgements from. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * Acknowledges a rule (a cdk-nag finding or a CDK validation warning) on a construct and its
 * subtree, with the reason it does not apply.
 *
 * Uses `Validations.of(scope).acknowledge` where aws-cdk-lib has it, and otherwise records the
 * same metadata entry, so that the peer-dependency floor keeps working.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  const validations = (cdk as unknown as { Validations?: { of(s: IConstruct): { acknowledge(...r: Array<{ id: string; reason: string }>): void } } })
    .Validations;
  if (validations) {
    validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(ACKNOWLEDGED_RULES, { [id]: reason });
  }
}
