/** Where the trainer and CLI write human-readable lines. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Output stream. Default `process.stderr`. */
  stream?: { write(chunk: string): unknown };
  /** Prefix of every line. Default `'[vlalign]'`. */
  prefix?: string;
  /** Prepend an ISO timestamp. Default false. */
  timestamps?: boolean;
  /** Drop `info` lines (warnings and errors still print). Default false. */
  quiet?: boolean;
  /**
   * Called before each line is written; the progress bar uses it to clear its `\r` line so log
   * lines never interleave with it.
   */
  beforeWrite?: () => void;
}

/**
 * A plain line logger: one complete line per call, no cursor control, so it works the same on a
 * TTY, in a pipe and in CI logs.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const prefix = options.prefix ?? '[vlalign]';
  const line = (level: string, message: string) => {
    options.beforeWrite?.();
    const time = options.timestamps ? `${new Date().toISOString()} ` : '';
    const tag = level === 'info' ? '' : `${level}: `;
    stream.write(`${time}${prefix ? `${prefix} ` : ''}${tag}${message}\n`);
  };
  return {
    info: (m) => {
      if (!options.quiet) line('info', m);
    },
    warn: (m) => line('warning', m),
    error: (m) => line('error', m),
  };
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
