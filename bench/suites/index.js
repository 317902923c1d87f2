// Every benchmark suite, by name. A new suite (database, TechEmpower types) is one file here.
import { authSuite } from './auth.js';
import { graphqlSuite } from './graphql.js';
import { http } from './http.js';
import { restCreate, restList, restRetrieve } from './rest.js';
import { techempower } from './techempower.js';
import { storefrontList } from './views.js';

/** @type {Record<string, import('./suite.js').Suite | import('./techempower.js').MatrixSuite>} */
export const suites = {
  techempower,
  http,
  auth: authSuite,
  'rest-list': restList,
  'rest-retrieve': restRetrieve,
  'rest-create': restCreate,
  graphql: graphqlSuite,
  'storefront-list': storefrontList,
};
