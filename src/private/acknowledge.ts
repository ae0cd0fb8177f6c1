import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/** The metadata key cdk-nag 3 and the CDK validation report read acknowledgements from. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * Acknowledges a rule (a cdk-nag finding or a CDK validation warning) on a construct and its
 * subtree, with the reason it does not apply.
 *
 * Uses `Validations.of(scope).acknowledge` where aws-cdk-lib has it and accepts the ID, and
 * otherwise records the same metadata entry cdk-nag reads: the peer-dependency floor has no
 * `Validations`, and releases before aws-cdk-lib accepted `::` inside a granular ID's brackets
 * reject IDs such as `AwsSolutions-IAM5[Resource::arn:...]`.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  const validations = (cdk as unknown as { Validations?: { of(s: IConstruct): { acknowledge(...r: Array<{ id: string; reason: string }>): void } } })
    .Validations;
  if (validations) {
    try {
      validations.of(scope).acknowledge({ id, reason });
      return;
    } catch {
      // an ID this release cannot parse: fall through to the metadata entry
    }
  }
  scope.node.addMetadata(ACKNOWLEDGED_RULES, { [id]: reason });
}

/**
 * The flat form cdk-nag gives a CloudFormation value in granular rule IDs: `Fn::GetAtt` as
 * `<Id.Attr>`, `Ref` as `<Id>`, `Fn::Join` joined.
 */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
  if (o.Ref) return `<${flatten(o.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources (e.g. the objects under
 * one table's prefix) on a policy owner, leaving any other wildcard reported.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const stack = cdk.Stack.of(scope);
  for (const resource of resources) {
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`, reason);
  }
}

/**
 * Acknowledges the prefix-scoped wildcards of a grant on the grantee's own construct (a role
 * or user defined in the app), so that a least-privilege grant does not leave the user with
 * cdk-nag findings to explain. Principals outside the app have no construct and nothing to do.
 */
export function acknowledgeGrantWildcards(grantee: iam.IGrantable, resources: string[], reason: string): void {
  const principal = grantee.grantPrincipal as unknown;
  if (principal instanceof Construct) {
    acknowledgeWildcardResources(principal, resources, reason);
  }
}
