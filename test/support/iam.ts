import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, REGION } from './stack';

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/**
 * Deployed-looking ARNs and names for a template's resources, so that policies written with
 * `Ref`/`Fn::GetAtt` can be evaluated by the IAM policy simulator.
 */
function arnOf(type: string, id: string): string {
  switch (type) {
    case 'AWS::Kinesis::Stream':
      return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${id}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${id.toLowerCase()}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT}:role/${id}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
    default:
      return `arn:aws:${type.split('::')[1].toLowerCase()}:${REGION}:${ACCOUNT}:${id}`;
  }
}

function refOf(type: string, id: string): string {
  switch (type) {
    case 'AWS::SQS::Queue':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
    case 'AWS::S3::Bucket':
      return id.toLowerCase();
    case 'AWS::KMS::Key':
      return id;
    default:
      return id;
  }
}

/** Resolves the intrinsics CDK writes into IAM policies to concrete strings. */
export function resolveIntrinsics(resources: Resources, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(resources, v));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, Json>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = obj[k];
    if (k === 'Ref') {
      const name = arg as string;
      if (name === 'AWS::Partition') return 'aws';
      if (name === 'AWS::Region') return REGION;
      if (name === 'AWS::AccountId') return ACCOUNT;
      if (name === 'AWS::URLSuffix') return 'amazonaws.com';
      if (name === 'AWS::StackId') return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/TestStack/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
      const res = resources[name];
      if (!res) throw new Error(`unknown Ref ${name}`);
      return refOf(res.Type, name);
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = arg as [string, string];
      const res = resources[id];
      if (!res) throw new Error(`unknown GetAtt ${id}`);
      if (attr === 'Arn') return arnOf(res.Type, id);
      return `${id}.${attr}`;
    }
    if (k === 'Fn::Join') {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => resolveIntrinsics(resources, p)).join(sep);
    }
    if (k === 'Fn::Select') {
      const [index, list] = arg as [number, Json];
      return (resolveIntrinsics(resources, list) as Json[])[index];
    }
    if (k === 'Fn::Split') {
      const [sep, source] = arg as [string, Json];
      return (resolveIntrinsics(resources, source) as string).split(sep);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(resources, obj[k])]));
}

/** A simulated principal: the identity policies CloudFormation would attach to one role. */
export class SimulatedPrincipal {
  /** Every identity policy attached to the role with the given logical ID, resolved. */
  public static ofRole(stack: Stack, roleLogicalId: string): SimulatedPrincipal {
    const tpl = Template.fromStack(stack).toJSON() as { Resources: Resources };
    const resources = tpl.Resources;
    const role = resources[roleLogicalId];
    if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleLogicalId}`);
    const docs: Json[] = [];
    for (const p of (role.Properties?.Policies as Array<{ PolicyDocument: Json }> | undefined) ?? []) {
      docs.push(p.PolicyDocument);
    }
    for (const res of Object.values(resources)) {
      if (res.Type !== 'AWS::IAM::Policy') continue;
      const roles = (res.Properties?.Roles as Json[] | undefined) ?? [];
      if (roles.some((r) => (r as { Ref?: string }).Ref === roleLogicalId)) {
        docs.push(res.Properties!.PolicyDocument);
      }
    }
    return new SimulatedPrincipal(
      `arn:aws:iam::${ACCOUNT}:role/${roleLogicalId}`,
      docs.map((d) => resolveIntrinsics(resources, d)),
      (type: string, id: string) => arnOf(type, id),
      resources,
    );
  }

  private constructor(
    public readonly arn: string,
    public readonly policies: Json[],
    private readonly arnFor: (type: string, id: string) => string,
    private readonly resources: Resources,
  ) {}

  /** The ARN the simulator uses for a resource of the template. */
  public arnOf(logicalId: string): string {
    const res = this.resources[logicalId];
    if (!res) throw new Error(`no resource ${logicalId}`);
    return this.arnFor(res.Type, logicalId);
  }

  /**
   * The resource policy the template gives the resource with this ARN (a KMS key policy, an S3
   * bucket policy, an SQS queue policy), resolved; undefined when it has none.
   */
  public resourcePolicyFor(arn: string): Json | undefined {
    for (const [id, res] of Object.entries(this.resources)) {
      const own = this.arnFor(res.Type, id);
      if (res.Type === 'AWS::KMS::Key' && own === arn) {
        return resolveIntrinsics(this.resources, res.Properties?.KeyPolicy);
      }
      if (res.Type === 'AWS::S3::Bucket' && (arn === own || arn.startsWith(`${own}/`))) {
        const policy = Object.values(this.resources).find(
          (r) => r.Type === 'AWS::S3::BucketPolicy' && (r.Properties?.Bucket as { Ref?: string }).Ref === id,
        );
        return policy ? resolveIntrinsics(this.resources, policy.Properties?.PolicyDocument) : undefined;
      }
      if (res.Type === 'AWS::SQS::Queue' && own === arn) {
        const policy = Object.values(this.resources).find(
          (r) => r.Type === 'AWS::SQS::QueuePolicy' && ((r.Properties?.Queues as Json[]) ?? []).some((q) => (q as { Ref?: string }).Ref === id),
        );
        return policy ? resolveIntrinsics(this.resources, policy.Properties?.PolicyDocument) : undefined;
      }
    }
    return undefined;
  }

  /**
   * 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied' for one action on one resource, with
   * the identity policies of the role and the resource policy the template gives the resource.
   */
  public async decide(action: string, resource: string): Promise<string> {
    const resourcePolicy = this.resourcePolicyFor(resource);
    const response = await runSimulation(
      {
        identityPolicies: this.policies.map((policy, i) => ({ name: `policy${i}`, policy: policy as never })),
        ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: this.arn,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: {},
        },
      },
      {},
    );
    if (response.resultType === 'error') {
      throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(response.errors)}`);
    }
    return response.overallResult;
  }
}
