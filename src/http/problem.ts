import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type FieldError, isBasaltError } from '../core/index.js';
import { asServiceUnavailable } from '../internal/service-errors.js';

/** An RFC 9457 problem details object, as Basalt sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
  stack?: string;
}

const MAX_INSTANCE = 1024;

/**
 * The most characters (or entries, for `errors`) each member of a problem sent has: the
 * OpenAPI problem schema declares them and {@link sendProblem} clips to them.
 */
export const PROBLEM_LIMITS = {
  type: 200,
  title: 200,
  detail: 4096,
  instance: MAX_INSTANCE + 1,
  code: 100,
  requestId: 200,
  errors: 1000,
  pointer: 1024,
} as const;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The problem within {@link PROBLEM_LIMITS}. */
function bounded(problem: Problem): Problem {
  const out: Problem = {
    ...problem,
    type: clip(problem.type, PROBLEM_LIMITS.type),
    title: clip(problem.title, PROBLEM_LIMITS.title),
    detail: clip(problem.detail, PROBLEM_LIMITS.detail),
    instance: clip(problem.instance, PROBLEM_LIMITS.instance),
    code: clip(problem.code, PROBLEM_LIMITS.code),
    requestId: clip(problem.requestId, PROBLEM_LIMITS.requestId),
  };
  if (problem.errors) {
    out.errors = problem.errors.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
      ...e,
      pointer: clip(e.pointer, PROBLEM_LIMITS.pointer),
      detail: clip(e.detail, PROBLEM_LIMITS.detail),
      ...(e.code === undefined ? {} : { code: clip(e.code, PROBLEM_LIMITS.code) }),
    }));
  }
  return out;
}

/** The media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const FASTIFY_CODES: Record<string, keyof typeof ERROR_CODES> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BASALT_HTTP_BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BASALT_HTTP_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BASALT_HTTP_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BASALT_HTTP_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_TYPE: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'BASALT_HTTP_BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'BASALT_HTTP_BAD_REQUEST',
};

const PARTS: Record<string, string> = {
  querystring: 'query',
  body: 'body',
  params: 'params',
  headers: 'headers',
};

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Turns validator issues into field errors with JSON pointers such as `/body/author/name`. */
export function fieldErrors(part: string, issues: readonly AjvIssue[]): FieldError[] {
  const prefix = `/${PARTS[part] ?? part}`;
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const issue of issues) {
    let pointer = prefix + issue.instancePath;
    let detail = issue.message ?? 'is invalid';
    if (issue.keyword === 'required') {
      pointer += `/${escapePointer(String(issue.params.missingProperty))}`;
      detail = 'is required';
    } else if (issue.keyword === 'additionalProperties') {
      pointer += `/${escapePointer(String(issue.params.additionalProperty))}`;
      detail = 'is not an allowed field';
    } else if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') {
      // The branches already explain themselves; a summary line only when nothing else was said.
      if (errors.some((e) => e.pointer === pointer)) continue;
      detail = 'does not match any allowed shape';
    }
    const key = `${pointer}\u0000${detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ pointer, detail, code: issue.keyword });
  }
  return errors;
}

interface ProblemOptions {
  development: boolean;
}

/**
 * Builds the problem for any error; unknown errors become a 500 without their message, and a
 * database or Redis connection failure a 503 with `Retry-After` (the request may be retried).
 */
export function toProblem(
  thrown: unknown,
  request: FastifyRequest,
  options: ProblemOptions,
): { problem: Problem; headers?: Record<string, string>; unexpected: boolean } {
  // A client's own fault (a 4xx, an aborted upload) stays what it is.
  const clientFault =
    (isBasaltError(thrown) && thrown.status < 500) ||
    ((thrown as { statusCode?: unknown } | null)?.statusCode as number) < 500;
  const error = (clientFault ? undefined : asServiceUnavailable(thrown)) ?? thrown;
  // A URL can be as long as Node accepts (a 414 is about one): the problem echoes its start.
  const url = request.url;
  const base = {
    instance: url.length > MAX_INSTANCE ? `${url.slice(0, MAX_INSTANCE)}…` : url,
    requestId: String(request.id),
  };
  if (isBasaltError(error)) {
    const problem: Problem = {
      type: `urn:basalt:error:${error.code}`,
      title: error.title ?? error.code,
      status: error.status,
      detail: error.expose ? error.message : 'An unexpected error occurred',
      code: error.code,
      ...base,
    };
    if (error.errors) problem.errors = error.errors;
    // A service that is down is an outage to report, not a bug: the server logs it as a warning.
    const unexpected = error.status >= 500 && error.code !== 'BASALT_HTTP_SERVICE_UNAVAILABLE';
    if (unexpected && options.development && error.stack) problem.stack = error.stack;
    return { problem, headers: error.headers, unexpected };
  }
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (fastifyError?.validation) {
    const errors = fieldErrors(
      fastifyError.validationContext ?? 'body',
      fastifyError.validation as AjvIssue[],
    );
    return {
      problem: {
        type: 'urn:basalt:error:BASALT_VALIDATION_FAILED',
        title: ERROR_CODES.BASALT_VALIDATION_FAILED.title,
        status: 400,
        detail: `Invalid request ${PARTS[fastifyError.validationContext ?? 'body'] ?? 'input'}: ${errors
          .map((e) => `${e.pointer} ${e.detail}`)
          .join('; ')}`,
        code: 'BASALT_VALIDATION_FAILED',
        errors,
        ...base,
      },
      unexpected: false,
    };
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code] ?? 'BASALT_HTTP_BAD_REQUEST';
    return {
      problem: {
        type: `urn:basalt:error:${code}`,
        title: ERROR_CODES[code].title,
        status: ERROR_CODES[code].status === status ? status : status,
        detail: fastifyError.message,
        code,
        ...base,
      },
      unexpected: false,
    };
  }
  const problem: Problem = {
    type: 'urn:basalt:error:BASALT_INTERNAL_ERROR',
    title: ERROR_CODES.BASALT_INTERNAL_ERROR.title,
    status: 500,
    detail: options.development
      ? String((error as Error)?.message ?? error)
      : `An unexpected error occurred; quote request id ${base.requestId} when reporting it`,
    code: 'BASALT_INTERNAL_ERROR',
    ...base,
  };
  if (options.development && error instanceof Error && error.stack) problem.stack = error.stack;
  return { problem, unexpected: true };
}

/**
 * Renders a problem as an HTML page for a browser, or answers undefined to keep problem+json.
 * `basalt/views` puts one on each request (under {@link ERROR_PAGE}); it may set headers.
 */
export type ErrorPageHook = (problem: Problem, reply: FastifyReply) => string | undefined;

/** Where a request carries its {@link ErrorPageHook}. */
export const ERROR_PAGE: unique symbol = Symbol('basalt.errorPage');

/** Sends a problem answer (pre-serialized, so no route's response schema applies). */
export function sendProblem(
  reply: FastifyReply,
  sent: Problem,
  headers?: Record<string, string>,
): FastifyReply {
  const problem = bounded(sent);
  if (headers) reply.headers(headers);
  const page = (reply.request as { [ERROR_PAGE]?: ErrorPageHook })[ERROR_PAGE];
  if (page !== undefined) {
    const html = page(problem, reply);
    if (html !== undefined) return reply.code(problem.status).type('text/html; charset=utf-8').send(html);
  }
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
