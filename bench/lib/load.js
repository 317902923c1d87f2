// Drives load with autocannon and keeps the numbers the report needs.
import autocannon from 'autocannon';

/**
 * @typedef {object} LoadOptions
 * @property {string} url          base URL of the server
 * @property {import('../suites/suite.js').RequestSpec} request
 * @property {number} connections
 * @property {number} duration     seconds
 * @property {number} pipelining
 */

/**
 * @typedef {object} LoadResult
 * @property {number} requestsPerSec  mean of autocannon's per-second samples
 * @property {number} p50            latency, ms
 * @property {number} p99            latency, ms
 * @property {number} total          responses received
 * @property {number} errors         socket errors and timeouts
 * @property {number} non2xx         responses with a status outside 2xx
 */

/**
 * Runs autocannon once against one request and returns its summary.
 *
 * @param {LoadOptions} options
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(options) {
  const { url, request, connections, duration, pipelining } = options;
  const result = await autocannon({
    url: new URL(request.path, url).href,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections,
    duration,
    pipelining,
  });
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
