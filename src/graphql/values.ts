import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

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
