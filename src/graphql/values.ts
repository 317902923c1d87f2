import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { BasaltError } from '../core/index.js';

// ajv-formats is CommonJS; under ESM interop its function may arrive wrapped in `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

let shared: Ajv | undefined;

/** A checker of one filter value against the field's schema (formats included), as REST's query string checks it. */
export function valueChecker(schema: TSchema): ValidateFunction {
  shared ??= addFormats(new Ajv({ strict: false, coerceTypes: false }));
  const {
    default: _default,
    title: _title,
    description: _description,
    ...bare
  } = schema as Record<string, unknown>;
  return shared.compile(bare);
}

let collecting: Ajv | undefined;

/**
 * A checker of a custom field's arguments against their TypeBox schema: throws the layer's
 * validation error (BAD_USER_INPUT) with one field error per problem (`limit`, `filter/from`).
 */
export function argsChecker(schema: TSchema): (values: unknown) => void {
  collecting ??= addFormats(new Ajv({ strict: false, coerceTypes: false, allErrors: true }));
  const validate = collecting.compile(schema);
  return (values) => {
    if (validate(values)) return;
    throw new BasaltError('BASALT_VALIDATION_FAILED', 'Invalid arguments', {
      errors: (validate.errors ?? []).slice(0, 20).map((e) => ({
        pointer:
          e.keyword === 'required'
            ? `${e.instancePath}/${String((e.params as { missingProperty?: string }).missingProperty)}`
            : e.instancePath || '/',
        detail: e.message ?? 'is not valid',
        code: e.keyword,
      })),
    });
  };
}
