/**
 * Every public name must read the same in TypeScript, Python and Java. jsii-pacmak renames a
 * name that is a keyword of the target language (Java `char` -> `doChar`, Python `from` ->
 * `from_`), and `jsii` itself only warns about it under `reserved-word`, which projen's compile
 * task silences (the same warning also lists C# and Go words, targets this library does not
 * build). This check reads the compiled assembly (.jsii) and fails when jsii-pacmak would rename
 * any public name that is not deprecated in the Python or Java binding, with jsii-pacmak's own
 * rules:
 *
 * - Python: a keyword gets a trailing `_` (types, methods, properties, parameters, enum
 *   members); a positional parameter named like a keyword argument lifted from the struct that
 *   ends the signature gets a trailing `_` as well.
 * - Java: a method named after a Java reserved word (or `build`, which the builders use) becomes
 *   `doXxx`; a property or parameter named after one gets the suffix `Value`.
 *
 * It also fails on a call that Python cannot make: an optional struct parameter at the end of a
 * signature whose struct has required fields. Python lifts the fields into keyword arguments,
 * the required ones stay required, and the call without the struct (`direct_invoke()`) fails.
 *
 * A deprecated name is reported and allowed: it is kept for compatibility next to its
 * replacement, which reads the same everywhere.
 *
 *   ts-node --project projenrc/tsconfig.json projenrc/binding-names.ts [ASSEMBLY]   (default .jsii)
 */
import * as fs from 'fs';
import * as path from 'path';
import { toPythonIdentifier } from 'jsii-pacmak/lib/targets/python/util';

interface Docs { readonly deprecated?: string }
interface Parameter { readonly name: string; readonly optional?: boolean; readonly type?: { readonly fqn?: string } }
interface Callable { readonly name?: string; readonly parameters?: Parameter[]; readonly docs?: Docs }
interface Property { readonly name: string; readonly optional?: boolean; readonly docs?: Docs }
interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly datatype?: boolean;
  readonly docs?: Docs;
  readonly initializer?: Callable;
  readonly methods?: Callable[];
  readonly properties?: Property[];
  readonly interfaces?: string[];
  readonly members?: Array<{ readonly name: string; readonly docs?: Docs }>;
}

/**
 * jsii-pacmak's Java reserved words: the list its generator renames by (`JavaGenerator.RESERVED_KEYWORDS`,
 * not exported), read from its source so that an upgrade of jsii-pacmak is followed.
 */
function javaReservedWords(): Set<string> {
  const file = path.join(path.dirname(require.resolve('jsii-pacmak/package.json')), 'lib', 'targets', 'java.js');
  const source = fs.readFileSync(file, 'utf-8');
  const match = /JavaGenerator\.RESERVED_KEYWORDS = \[([^\]]*)\]/.exec(source);
  const words = match ? [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]) : [];
  if (!words.includes('char') || !words.includes('class')) {
    throw new Error(`binding names: could not read JavaGenerator.RESERVED_KEYWORDS from ${file}: update projenrc/binding-names.ts`);
  }
  return new Set(words);
}

/** snake_case as the Python binding spells a camelCase name (enough to compare two names). */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

interface Finding {
  readonly name: string;
  readonly language: 'Python' | 'Java';
  /** What the binding calls it, or what it cannot do. */
  readonly as: string;
  readonly deprecated: boolean;
}

function main(): void {
  const assemblyFile = path.resolve(process.argv[2] ?? '.jsii');
  if (!fs.existsSync(assemblyFile)) {
    console.error(`binding names: no assembly at ${path.relative(process.cwd(), assemblyFile)}: compile first (npx projen compile)`);
    process.exit(2);
  }
  const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf-8')) as { types?: Record<string, JsiiType> };
  const types = assembly.types ?? {};
  const java = javaReservedWords();
  const findings: Finding[] = [];
  let checked = 0;

  const python = (name: string, where: string, deprecated: boolean) => {
    const as = toPythonIdentifier(snake(name));
    if (as !== snake(name)) findings.push({ name: where, language: 'Python', as, deprecated });
  };
  const javaMethod = (name: string, where: string, deprecated: boolean) => {
    if (java.has(name) || name === '_') findings.push({ name: where, language: 'Java', as: `do${name[0].toUpperCase()}${name.slice(1)}`, deprecated });
  };
  const javaProperty = (name: string, where: string, deprecated: boolean) => {
    if (java.has(name) || name === '__') findings.push({ name: where, language: 'Java', as: `${name}Value`, deprecated });
  };
  // The properties of a struct, its bases' included: the keyword arguments Python lifts from it.
  const structProperties = (fqn: string | undefined): Property[] => {
    const type = fqn ? types[fqn] : undefined;
    if (!type || type.kind !== 'interface' || !type.datatype) return [];
    return [...(type.properties ?? []), ...(type.interfaces ?? []).flatMap(structProperties)];
  };
  const callable = (c: Callable, where: string, deprecated: boolean) => {
    const params = c.parameters ?? [];
    const last = params[params.length - 1];
    const liftedProperties = structProperties(last?.type?.fqn);
    const lifted = new Set(liftedProperties.map((p) => snake(p.name)));
    const required = liftedProperties.filter((p) => !p.optional).map((p) => snake(p.name));
    if (last?.optional && required.length > 0) {
      findings.push({
        name: `${where}(${last.name}?)`,
        language: 'Python',
        as: `cannot be called without ${last.name}: its struct's required fields ${required.join(', ')} become required keyword arguments`,
        deprecated,
      });
    }
    params.forEach((p, i) => {
      checked++;
      const at = `${where}(${p.name})`;
      python(p.name, at, deprecated);
      javaProperty(p.name, at, deprecated);
      if (i < params.length - 1 && lifted.has(snake(p.name))) {
        findings.push({ name: at, language: 'Python', as: `${snake(p.name)}_ (clashes with a keyword argument of ${params[params.length - 1].name})`, deprecated });
      }
    });
  };

  for (const type of Object.values(types)) {
    const typeDeprecated = type.docs?.deprecated !== undefined;
    checked++;
    python(type.name, type.name, typeDeprecated);
    if (type.initializer) callable(type.initializer, type.name, typeDeprecated);
    for (const m of type.methods ?? []) {
      if (!m.name) continue;
      const deprecated = typeDeprecated || m.docs?.deprecated !== undefined;
      const where = `${type.name}.${m.name}`;
      checked++;
      python(m.name, where, deprecated);
      javaMethod(m.name, where, deprecated);
      callable(m, where, deprecated);
    }
    for (const p of type.properties ?? []) {
      const deprecated = typeDeprecated || p.docs?.deprecated !== undefined;
      checked++;
      python(p.name, `${type.name}.${p.name}`, deprecated);
      javaProperty(p.name, `${type.name}.${p.name}`, deprecated);
    }
    for (const m of type.members ?? []) {
      checked++;
      python(m.name, `${type.name}.${m.name}`, typeDeprecated || m.docs?.deprecated !== undefined);
    }
  }

  const show = (r: Finding) => `${r.name} -> ${r.language}: ${r.as}`;
  const kept = findings.filter((r) => r.deprecated);
  const wrong = findings.filter((r) => !r.deprecated);
  for (const r of kept) console.log(`binding names: deprecated, kept for compatibility: ${show(r)}`);
  for (const r of wrong) console.error(`binding names: reads differently in a binding: ${show(r)}: change it (or deprecate it for a replacement that reads the same)`);
  console.log(`binding names: ${checked} public names of ${Object.keys(types).length} types checked, ${wrong.length} read differently in Python or Java, `
    + `${kept.length} deprecated ones do`);
  if (wrong.length > 0) process.exit(1);
}

main();
