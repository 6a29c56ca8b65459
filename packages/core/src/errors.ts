/**
 * Stable error codes carried by every error charrnn throws on purpose. Match on `code`, not on
 * the message: messages may gain detail, codes never change meaning.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CORPUS'
  | 'INVALID_BUNDLE'
  | 'INVALID_CONFIG'
  | 'BACKEND_UNAVAILABLE'
  | 'IO_ERROR'
  | 'NOT_FOUND'
  | 'TRAINING_DIVERGED';

/** Where a problem was found. Each given field is also written into the message. */
export interface ErrorContext {
  /** File (or URL) the problem was found in. */
  file?: string;
  /** 1-based line number in `file`. */
  line?: number;
  /** Field, flag or JSON path the problem concerns. */
  field?: string;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

function locate(message: string, context: ErrorContext): string {
  const where: string[] = [];
  if (context.file !== undefined) where.push(context.file);
  if (context.line !== undefined) where.push(`line ${context.line}`);
  if (context.field !== undefined) where.push(`field ${context.field}`);
  return where.length > 0 ? `${where.join(' ')}: ${message}` : message;
}

/**
 * Base class of all errors charrnn throws deliberately.
 *
 * @example
 * ```ts
 * throw new InvalidCorpusError('empty name', { file: 'names/Greek.txt', line: 17 });
 * // InvalidCorpusError: names/Greek.txt line 17: empty name
 * ```
 */
export class CharRnnError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** File the problem was found in, when known. */
  readonly file?: string;
  /** 1-based line number, when known. */
  readonly line?: number;
  /** Field, flag or JSON path concerned, when known. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(locate(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    if (context.file !== undefined) this.file = context.file;
    if (context.line !== undefined) this.line = context.line;
    if (context.field !== undefined) this.field = context.field;
  }
}

/** A function argument, CLI flag or option value is out of range or malformed. */
export class InvalidArgumentError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('INVALID_ARGUMENT', message, context);
  }
}

/** A corpus file or record cannot be used (bad encoding, empty, malformed line...). */
export class InvalidCorpusError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('INVALID_CORPUS', message, context);
  }
}

/** A saved model bundle is missing, malformed or inconsistent. */
export class InvalidBundleError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('INVALID_BUNDLE', message, context);
  }
}

/** A configuration file or object fails validation. */
export class InvalidConfigError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('INVALID_CONFIG', message, context);
  }
}

/** No requested tfjs backend could be initialised. */
export class BackendUnavailableError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('BACKEND_UNAVAILABLE', message, context);
  }
}

/** Reading or writing a file or URL failed. */
export class IoError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('IO_ERROR', message, context);
  }
}

/** A named file, model or resource does not exist. */
export class NotFoundError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('NOT_FOUND', message, context);
  }
}

/** Training produced a non-finite loss or gradient and was stopped. */
export class TrainingDivergedError extends CharRnnError {
  constructor(message: string, context?: ErrorContext) {
    super('TRAINING_DIVERGED', message, context);
  }
}

/** True when `error` is one of charrnn's typed errors. */
export function isCharRnnError(error: unknown): error is CharRnnError {
  return error instanceof CharRnnError;
}
