import { type TObject, Type as t } from '@sinclair/typebox';
import type { AnyModel } from '../db/index.js';
import {
  type AnyEndpoint,
  del,
  type Endpoint,
  type EndpointContext,
  type EndpointSpec,
  get,
  type HandlerResult,
  type HttpMethod,
  patch,
  post,
  put,
  type Responses,
} from '../http/index.js';
import type { Collection, CollectionOptions } from '../ops/index.js';
import { accessOf, loadObject, registerListing, resolveCollection, runtimeOf } from '../ops/internal.js';
import { type GuardSpec, guardFor, requestActor } from './access.js';
import { guardInput } from './guard.js';
import {
  create,
  destroy,
  type HandlerContext,
  list,
  type ResourceRuntime,
  retrieve,
  update,
} from './handlers.js';
import {
  type Access,
  RESOURCE_ACTIONS,
  type ResourceAction,
  type ResourceOptions,
  type Row,
} from './options.js';
import { buildQuerySchema } from './query-params.js';
import { buildSchemas, pageSchema, pascal, type ResourceSchemas } from './schemas.js';
import type { ActionEndpoint, BasePath, ResourceEndpoints } from './types.js';

/** A custom action's declaration: an endpoint spec plus where it lives and who may call it. */
export interface ActionSpec extends EndpointSpec {
  /** HTTP method (default POST). */
  method?: HttpMethod;
  /** On one object (`/things/:id/name`, default) or on the collection (`/things/name`). */
  detail?: boolean;
  /** Path segment after the collection or object (default: the action's name). */
  path?: string;
  /** Who may call it (default: the resource's `write` access); ignored when `auth`/`permissions` are given. */
  access?: Access;
}

type MethodOf<S extends ActionSpec> = S['method'] extends HttpMethod ? S['method'] : 'POST';

/** What a custom action's handler receives: the endpoint context, plus the object for detail actions. */
export type ActionContext<M extends AnyModel, S extends ActionSpec> = EndpointContext<string, S> &
  (S extends { detail: false } ? unknown : { object: Row<M> });

/** A custom action's handler. */
export type ActionHandler<M extends AnyModel, S extends ActionSpec> = (
  context: ActionContext<M, S>,
) => HandlerResult<Responses<MethodOf<S>, S>> | Promise<HandlerResult<Responses<MethodOf<S>, S>>>;

/**
 * A model's REST API: its endpoints (mount `routes` in `defineApp`) and schemas. `R` is the
 * tuple of its endpoints, typed from the model and the options (the test client and
 * `basalt client` know each path, params, query, body and response from it).
 */
export interface Resource<
  M extends AnyModel,
  R extends readonly AnyEndpoint[] = readonly AnyEndpoint[],
  O = ResourceOptions<M>,
> {
  readonly model: M;
  /** The collection path. */
  readonly path: BasePath<O>;
  /** Every endpoint: the standard actions, then the custom ones. */
  readonly routes: R;
  /** The object, create, PUT and PATCH schemas (TypeBox), for endpoints of your own. */
  readonly schemas: ResourceSchemas;
  /**
   * Adds a custom action (Django REST framework's `@action`), typed like any endpoint;
   * detail actions get the object, loaded through the scope and the object check.
   *
   * @example
   * orders.action('cancel', { response: OrderSchema, access: 'authenticated' }, async ({ object, db }) =>
   *   db.update(Order, object.id, { status: 'cancelled' }));
   */
  action<const N extends string, const S extends ActionSpec>(
    name: N,
    spec: S,
    handler: ActionHandler<M, S>,
  ): Resource<M, readonly [...R, ActionEndpoint<M, O, N, S>], O>;
}

/** What a resource of a collection adds: only HTTP's options. */
type HttpOptions = Pick<
  ResourceOptions<AnyModel>,
  'path' | 'actions' | 'etag' | 'requireIfMatch' | 'tags' | 'schemaName'
>;

/** Options with no keys besides those of {@link ResourceOptions} (a misspelt option is an error). */
type Exact<O, M extends AnyModel> = O & { [K in Exclude<keyof O, keyof ResourceOptions<M>>]: never };

/** The longest `If-Match` / `If-None-Match` header accepted (a 400 past it). */
const ETAG_HEADER_MAX = 8192;

/** `author` → `an author`, `book` → `a book` (by sound, for the common exceptions). */
function withArticle(noun: string): string {
  const an =
    /^(hour|honest|heir)/i.test(noun) || (/^[aeiou]/i.test(noun) && !/^(uni|use|usu|eu|one|ur)/i.test(noun));
  return `${an ? 'an' : 'a'} ${noun}`;
}

const DEFINE = { GET: get, POST: post, PUT: put, PATCH: patch, DELETE: del } as const;

/** Declares an endpoint whose schemas are built at run time (its handler is typed loosely). */
function route(
  method: HttpMethod,
  path: string,
  spec: EndpointSpec,
  handler: (context: unknown) => unknown,
): AnyEndpoint {
  return DEFINE[method](path, spec, handler as never);
}

function idParams(model: AnyModel): TObject {
  return t.Object({
    id:
      model.meta.primaryKey.type === 'uuid'
        ? t.String({ format: 'uuid', maxLength: 36 })
        : guardInput(t.Integer()),
  });
}

/**
 * Gives a model a REST API: list, retrieve, create, update (PUT), partial update (PATCH)
 * and delete, with declared fields, filters, search, ordering, pagination, includes,
 * permissions, scoping, ETags and hooks — every parameter and body in OpenAPI.
 *
 * @example
 * const books = resource(Book, {
 *   path: '/api/books',
 *   filters: { price: ['lt', 'gte'], author: ['eq', 'in'] },
 *   search: ['title'],
 *   ordering: ['price', 'title'],
 *   include: ['author', 'tags'],
 *   permissions: { read: 'anyone', write: 'staff' },
 * });
 * export default defineApp({ models, routes: [...books.routes] });
 */
export function resource<M extends AnyModel, const O extends ResourceOptions<M>>(
  model: M,
  options: Exact<O, M>,
): Resource<M, ResourceEndpoints<M, O>, O>;
/**
 * Gives a collection of `basalt/ops` (`defineCollection`) a REST API: the collection
 * brings fields, lists, policy and hooks; `options` what only HTTP has (path, actions, ETags).
 *
 * @example
 * const orders = defineCollection(Order, { permissions: { read: 'authenticated' }, scope: ... });
 * export const ordersApi = resource(orders, { path: '/api/orders', actions: ['list', 'retrieve'] });
 */
export function resource<M extends AnyModel, C, const O extends HttpOptions>(
  collection: Collection<M, C>,
  options: O & { [K in Exclude<keyof O, keyof HttpOptions>]: never },
): Resource<M, ResourceEndpoints<M, C & O>, C & O>;
export function resource(
  target: AnyModel | Collection<AnyModel, unknown>,
  options: HttpOptions,
): Resource<AnyModel, readonly AnyEndpoint[], unknown> {
  const fromCollection = !('meta' in target);
  const model = fromCollection ? (target as Collection).model : (target as AnyModel);
  const collection = fromCollection
    ? runtimeOf(target)
    : resolveCollection(model, options as unknown as CollectionOptions<AnyModel>);
  const opts = (
    fromCollection ? { ...collection.options, ...options } : options
  ) as ResourceOptions<AnyModel>;
  const { plan, query } = collection;
  const name = options.schemaName ?? pascal(model.name);
  const schemas = buildSchemas(plan, name, query.sparse);
  const etag = options.etag ?? true;
  const base = options.path.replace(/\/+$/, '');
  const requireIfMatch = etag && (options.requireIfMatch ?? false);
  const preconditions = etag ? [412, ...(requireIfMatch ? [428] : [])] : [];
  const rt: ResourceRuntime = { collection, etag, requireIfMatch, path: base };
  const ifMatchHeader = t.Object({
    'if-match': t.Optional(
      t.String({
        maxLength: ETAG_HEADER_MAX,
        description: requireIfMatch
          ? 'The ETag of the object as last read, or *; required (428 without it)'
          : 'The ETag of the object as last read, or *: the write is refused (412) if it changed since',
      }),
    ),
  });
  const needsUser = collection.readsActor;
  const tags = [...(options.tags ?? [model.meta.pluralLabel])];
  const detailPath = `${base}/:id`;
  const params = idParams(model);
  const objectQuery = buildQuerySchema(plan, query, false);
  const label = model.meta.label.toLowerCase();
  const a = withArticle(label);
  const plural = model.meta.pluralLabel.toLowerCase();
  const objectProblems = opts.check ? [403] : [];
  // Field write rules refuse with a 403, and so may an operation hook (PermissionDeniedError).
  const hooked = Object.keys((opts as { hooks?: object }).hooks ?? {}).length > 0;
  const writeProblems = plan.writeRules.size > 0 || hooked ? [403, 409] : [409];

  const guard = (action: ResourceAction): GuardSpec =>
    guardFor(model, accessOf(opts.permissions as never, action), action, needsUser);
  const routes: AnyEndpoint[] = [];
  const enabled = new Set(options.actions ?? RESOURCE_ACTIONS);
  const call =
    (fn: (rt: ResourceRuntime, context: HandlerContext) => Promise<unknown>) => (context: unknown) =>
      fn(rt, context as HandlerContext);

  for (const action of RESOURCE_ACTIONS) {
    if (!enabled.has(action)) continue;
    const common = { tags, ...guard(action), operationId: `${action}${name}` };
    if (action === 'list') {
      const listRoute = route(
        'GET',
        base,
        {
          ...common,
          summary: `List ${plural}`,
          description: query.pagination
            ? `The ${plural} the caller may see, at most ${query.pagination.maxPageSize ?? 100} a page.`
            : `The ${plural} the caller may see.`,
          query: buildQuerySchema(plan, query, true),
          response: { 200: pageSchema(schemas.read, name, query.pagination, query.count) },
          // A page number past the last page is a 404.
          problems: query.pagination && query.pagination.style === 'page' ? [404] : [],
        },
        call(list),
      );
      // The system check of list indexes finds the collection through the endpoint.
      registerListing(listRoute, collection);
      routes.push(listRoute);
    } else if (action === 'retrieve')
      routes.push(
        route(
          'GET',
          detailPath,
          {
            ...common,
            summary: `Get one ${label}`,
            description: `The ${label} with this id; a 404 when it does not exist or the caller may not see it.`,
            params,
            query: objectQuery,
            ...(etag
              ? {
                  headers: t.Object({
                    'if-none-match': t.Optional(t.String({ maxLength: ETAG_HEADER_MAX })),
                  }),
                }
              : {}),
            response: etag
              ? { 200: schemas.read, 304: t.Null({ description: 'Not modified (If-None-Match)' }) }
              : { 200: schemas.read },
            // An object the check refuses to retrieve is a 404, never a 403 (basalt/ops' rule).
            problems: [],
          },
          call(retrieve),
        ),
      );
    else if (action === 'create')
      routes.push(
        route(
          'POST',
          base,
          {
            ...common,
            summary: `Create ${a}`,
            description: `Creates ${a} from the body and answers it as stored.`,
            body: schemas.create,
            response: { 201: schemas.read },
            problems: writeProblems,
          },
          call(create),
        ),
      );
    else if (action === 'delete')
      routes.push(
        route(
          'DELETE',
          detailPath,
          {
            ...common,
            summary: `Delete ${a}`,
            description: `Deletes the ${label} with this id.`,
            params,
            ...(etag ? { headers: ifMatchHeader } : {}),
            response: { 204: t.Null({ description: 'Deleted' }) },
            problems: [...objectProblems, 409, ...preconditions],
          },
          call(destroy),
        ),
      );
    else {
      const partial = action === 'partialUpdate';
      routes.push(
        route(
          partial ? 'PATCH' : 'PUT',
          detailPath,
          {
            ...common,
            summary: partial ? `Change some fields of ${a}` : `Replace ${a}`,
            description: partial
              ? `Changes the fields the body names of the ${label} with this id, leaving the others.`
              : `Replaces every writable field of the ${label} with this id.`,
            params,
            body: partial ? schemas.patch : schemas.update,
            ...(etag ? { headers: ifMatchHeader } : {}),
            response: { 200: schemas.read },
            problems: [...objectProblems, ...writeProblems, ...preconditions],
          },
          (context: unknown) => update(rt, context as HandlerContext, action),
        ),
      );
    }
  }

  // The route list grows with each action; its type is the tuple the signature promises.
  const api: Resource<AnyModel, readonly AnyEndpoint[], unknown> = {
    model,
    path: base,
    routes,
    schemas,
    action(actionName, spec, handler) {
      const { method = 'POST', detail = true, path, access, ...endpointSpec } = spec as ActionSpec;
      const segment = path ?? actionName;
      const explicit = endpointSpec.auth !== undefined || endpointSpec.permissions !== undefined;
      const guardSpec = explicit
        ? {}
        : guardFor(model, access ?? accessOf(opts.permissions as never, 'update'), null, needsUser);
      const full: EndpointSpec = {
        tags,
        operationId: `${actionName}${name}`,
        ...guardSpec,
        ...endpointSpec,
        ...(detail ? { params, problems: [...objectProblems, ...(endpointSpec.problems ?? [])] } : {}),
      };
      const run = handler as unknown as (context: Record<string, unknown>) => unknown;
      const endpoint: Endpoint<HttpMethod, string, EndpointSpec> = DEFINE[method](
        detail ? `${detailPath}/${segment}` : `${base}/${segment}`,
        full,
        detail
          ? async (context) => {
              const ctx = context as unknown as HandlerContext & { db: never };
              const object = await loadObject(
                collection,
                ctx.db,
                requestActor(context as never),
                (ctx.params as { id: unknown }).id,
                actionName,
              );
              return run({ ...(context as object), object }) as never;
            }
          : (context) => run(context as never) as never,
      );
      routes.push(endpoint);
      return api as never;
    },
  };
  return api;
}
