/**
 * A small JSON Schema validator: the subset pydantic's `model_json_schema()`
 * emits (type, properties, required, additionalProperties, enum, const, string
 * and number bounds, pattern, items/prefixItems, anyOf/oneOf/allOf, $ref into
 * $defs). Unknown keywords (format, title, default, description...) are ignored.
 *
 * `validate(schema, value)` returns a list of problems, `[]` when valid:
 *   [{path: 'author.name', message: 'expected string'}]
 */

const TYPE_CHECKS = {
  null: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  string: (v) => typeof v === 'string',
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
};

/** Length the way Python counts it (code points, not UTF-16 units). */
const strlen = (s) => [...s].length;

function resolve(root, ref) {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(2).split('/').reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
}

function check(schema, value, path, root, errors, depth) {
  if (schema === true || schema === undefined) return;
  if (schema === false) { errors.push({ path, message: 'not allowed' }); return; }
  if (depth > 40) { errors.push({ path, message: 'schema too deep' }); return; }
  const err = (message) => errors.push({ path: path || '(message)', message });

  if (schema.$ref) {
    const target = resolve(root, schema.$ref);
    if (!target) { err(`unresolved ${schema.$ref}`); return; }
    check(target, value, path, root, errors, depth + 1);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => TYPE_CHECKS[t]?.(value))) { err(`expected ${types.join(' or ')}`); return; }
  }
  if ('const' in schema && value !== schema.const) err(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((option) => option === value)) err(`expected one of ${schema.enum.join(', ')}`);

  if (typeof value === 'string') {
    if (schema.minLength !== undefined && strlen(value) < schema.minLength) err(`shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && strlen(value) > schema.maxLength) err(`longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) err('does not match pattern');
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) err(`below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) err(`above ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) err(`not above ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) err(`not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) err(`fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) err(`more than ${schema.maxItems} items`);
    const prefix = schema.prefixItems || [];
    value.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : schema.items;
      check(itemSchema, item, `${path}[${i}]`, root, errors, depth + 1);
    });
  }
  if (TYPE_CHECKS.object(value)) {
    const props = schema.properties || {};
    for (const key of schema.required || []) if (!(key in value)) err(`missing ${key}`);
    for (const [key, item] of Object.entries(value)) {
      const sub = path ? `${path}.${key}` : key;
      if (key in props) check(props[key], item, sub, root, errors, depth + 1);
      else if (schema.additionalProperties === false) errors.push({ path: sub, message: 'unexpected field' });
      else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, item, sub, root, errors, depth + 1);
    }
  }
  for (const sub of schema.allOf || []) check(sub, value, path, root, errors, depth + 1);
  const options = schema.anyOf || schema.oneOf;
  if (options) {
    const fits = options.some((option) => {
      const trial = [];
      check(option, value, path, root, trial, depth + 1);
      return trial.length === 0;
    });
    if (!fits) err('matches none of the allowed shapes');
  }
}

/** Problems with `value` against `schema` (whose own `$defs` resolve `$ref`s). */
export function validate(schema, value, root = schema) {
  const errors = [];
  check(schema, value, '', root, errors, 0);
  return errors;
}
