// The public API of basalt/storage: explicit named exports only.
export {
  type ByteRange,
  type GetOptions,
  type GetResult,
  type ObjectStat,
  type ObjectSummary,
  type PutOptions,
  parseRangeHeader,
  type SignedUrlOptions,
  type StorageBackend,
} from './backends/backend.js';
export { createLocalBackend, type LocalBackendOptions } from './backends/local.js';
export { createMemoryBackend, type MemoryBackendOptions } from './backends/memory.js';
export { createS3Backend, type S3BackendOptions } from './backends/s3.js';
export { isAccepted, sniffContentType } from './content-type.js';
export {
  FileTooLargeError,
  FileTypeNotAcceptedError,
  RangeNotSatisfiableError,
  STORAGE_ERROR_CODES,
  StorageError,
  type StorageErrorCode,
  StorageNotFoundError,
} from './errors.js';
export { createFileRecords, type FileRecords } from './files.js';
export { getStorage } from './get-storage.js';
export {
  ensureThumbnail,
  ensureThumbnails,
  parseThumbnailSize,
  type ThumbnailSpec,
  thumbnailKey,
} from './images.js';
export { assertValidKey, cleanFileName, generateKey } from './keys.js';
export { type NamedStorageOptions, type StorageModuleOptions, storage } from './module.js';
export { type ServeOptions, serveFile } from './serve.js';
export type {
  PresignedUpload,
  PresignUploadOptions,
  StorageService,
  UploadRequestOptions,
} from './service.js';
export { createUrlSigner, type SignedGrant, type UrlSigner } from './signing.js';
export {
  contentDisposition,
  createStorage,
  type SaveOptions,
  type Storage,
  type StorageServeMode,
  type StoredFile,
} from './storage.js';
export { type BackendUrlOptions, createBackendFromUrl } from './storage-url.js';
export { type ThumbnailJobResult, thumbnailTask } from './thumbnail-task.js';
export { receiveUpload, type UploadOptions, type UploadResult } from './uploads.js';
