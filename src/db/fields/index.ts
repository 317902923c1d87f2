import { belongsTo, hasMany, manyToMany } from './relation-fields.js';
import {
  bigInteger,
  boolean,
  date,
  datetime,
  decimal,
  email,
  enumField,
  file,
  float,
  image,
  integer,
  json,
  slug,
  string,
  text,
  time,
  url,
  uuid,
} from './scalar-fields.js';

/**
 * Field builders for {@link defineModel}.
 *
 * @example
 * defineModel('book', { title: f.string({ max: 200 }), price: f.decimal({ precision: 8, scale: 2 }) });
 */
export const f = {
  string,
  text,
  integer,
  bigInteger,
  float,
  decimal,
  boolean,
  date,
  datetime,
  time,
  uuid,
  email,
  url,
  slug,
  enum: enumField,
  json,
  file,
  image,
  belongsTo,
  hasMany,
  manyToMany,
} as const;
