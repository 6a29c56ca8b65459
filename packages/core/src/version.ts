/** Version of `@charrnn/core`, written into saved bundles as `generatedBy: 'charrnn <version>'`. */
export const CORE_VERSION = '0.0.0';
