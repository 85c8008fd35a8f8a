// The installable, offline-capable app: see each module for details.
export { startPwa } from './start.svelte';
export { appUpdate } from './update.svelte';
export { installPrompt } from './install.svelte';
export { offlineFiles } from './offline-files.svelte';
export { requestPersistentStorage } from './persist';
export { cacheFiles, isCached, cachedUrls, clearFileCache, onFileCacheChange, type CacheFilesOptions, type CacheFilesResult } from './file-cache';
export { FILE_CACHE, PRESSURE_RATIO } from './file-cache-core';
