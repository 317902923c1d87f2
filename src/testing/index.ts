export { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './database.js';
export { defineFactory, type Factory, type FactoryContext } from './factory.js';
export {
  createTestClient,
  ResponseContractError,
  type TestClient,
  type TestClientOptions,
  type TestMethod,
  type TestResponse,
} from './test-client.js';
