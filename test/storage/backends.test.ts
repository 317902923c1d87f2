import { createS3Backend } from '../../src/storage/index.js';
import { backendContract } from './backend.contract.js';
import { startStorageApp } from './support/app.js';
import { startS3Server } from './support/s3-server.js';

// The local backend as the storage() module configures it: signed URLs served by Basalt.
backendContract('local', async () => {
  const served = await startStorageApp({ storage: { storages: { private: { public: false } } } });
  return {
    backend: served.storage.get('private').backend,
    fetch: served.fetch,
    verifiesSignatures: true,
    close: served.close,
  };
});

// The memory backend (STORAGE_URL=memory:), served by Basalt like the local one.
backendContract('memory', async () => {
  const served = await startStorageApp({
    storage: { storages: { private: { public: false } } },
    env: { STORAGE_PRIVATE_URL: 'memory:' },
  });
  return {
    backend: served.storage.get('private').backend,
    fetch: served.fetch,
    verifiesSignatures: true,
    close: served.close,
  };
});

backendContract('s3 (s3rver on 127.0.0.1)', async () => {
  const server = await startS3Server();
  const backend = await createS3Backend({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: server.credentials,
    prefix: 'media',
  });
  return {
    backend,
    fetch: (url, init) => fetch(url, init),
    verifiesSignatures: false,
    async close() {
      await backend.close?.();
      await server.close();
    },
  };
});
