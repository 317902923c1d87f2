export { createTestClient, type TestClient, type TestMethod, type TestResponse } from './test-client.js';
