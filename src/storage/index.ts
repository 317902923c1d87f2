// The public API of basalt/storage: explicit named exports only.
export type {
  ByteRange,
  GetOptions,
  GetResult,
  ObjectStat,
  ObjectSummary,
  PutOptions,
  SignedUrlOptions,
  StorageBackend,
} from './backends/backend.js';
export { createLocalBackend, type LocalBackendOptions } from './backends/local.js';
export { createMemoryBackend, type MemoryBackendOptions } from './backends/memory.js';
export { createS3Backend, type S3BackendOptions } from './backends/s3.js';
export {
  FileTooLargeError,
  FileTypeNotAcceptedError,
  RangeNotSatisfiableError,
  STORAGE_ERROR_CODES,
  StorageError,
  type StorageErrorCode,
  StorageNotFoundError,
} from './errors.js';
export type { FileRecords } from './files.js';
export { getStorage } from './get-storage.js';
export { ensureThumbnails, type ThumbnailSpec } from './images.js';
export { type NamedStorageOptions, type StorageModuleOptions, storage } from './module.js';
export type { ServeOptions } from './serve.js';
export type {
  PresignedUpload,
  PresignUploadOptions,
  StorageService,
  UploadRequestOptions,
} from './service.js';
export type { SaveOptions, Storage, StorageServeMode, StoredFile } from './storage.js';
export { type BackendUrlOptions, createBackendFromUrl } from './storage-url.js';
export { type ThumbnailJobResult, thumbnailTask } from './thumbnail-task.js';
export type { UploadOptions, UploadResult } from './uploads.js';
