import { describe, expect, it } from 'vitest';

// basalt/storage's public API: a change to this list is a change to the API and must be deliberate.
describe('basalt/storage exports', () => {
  it('exports the documented names', async () => {
    expect(Object.keys(await import('basalt/storage')).sort()).toMatchInlineSnapshot(`
      [
        "FileTooLargeError",
        "FileTypeNotAcceptedError",
        "RangeNotSatisfiableError",
        "STORAGE_ERROR_CODES",
        "StorageError",
        "StorageNotFoundError",
        "assertValidKey",
        "cleanFileName",
        "contentDisposition",
        "createBackendFromUrl",
        "createFileRecords",
        "createLocalBackend",
        "createMemoryBackend",
        "createS3Backend",
        "createStorage",
        "createUrlSigner",
        "ensureThumbnail",
        "ensureThumbnails",
        "generateKey",
        "getStorage",
        "isAccepted",
        "parseRangeHeader",
        "parseThumbnailSize",
        "receiveUpload",
        "serveFile",
        "sniffContentType",
        "storage",
        "thumbnailKey",
        "thumbnailTask",
      ]
    `);
  });
});
