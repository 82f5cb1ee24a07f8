import { formatMetricValue } from './metrics-table.js';

/** Options of {@link ProgressLine}. */
export interface ProgressLineOptions {
  /** Output stream. Default `process.stderr`. */
  stream?: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Force the `\r` bar on or off. Default: on when the stream is a TTY. */
  enabled?: boolean;
}

/**
 * A one-line `\r` progress bar for TTYs (`step 120/1000 [####......] 12% loss 2.31 lr 3.0e-4 4.1 it/s
 * eta 3m35s`). Off the TTY it prints nothing: the trainer logs plain lines at `logEvery` instead.
 */
export class ProgressLine {
  readonly enabled: boolean;
  private readonly stream: NonNullable<ProgressLineOptions['stream']>;
  private visible = false;

  constructor(options: ProgressLineOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? Boolean(this.stream.isTTY);
  }

  /** Redraws the bar. */
  update(step: number, total: number, metrics: Record<string, number>, stepsPerSecond: number): void {
    if (!this.enabled) return;
    const width = 20;
    const frac = total > 0 ? Math.min(1, step / total) : 1;
    const filled = Math.round(frac * width);
    const parts = Object.entries(metrics).map(([k, v]) => `${k} ${formatMetricValue(v, 4)}`);
    const eta = stepsPerSecond > 0 ? formatDuration((total - step) / stepsPerSecond) : '?';
    let text = `step ${step}/${total} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(frac * 100)}% ${parts.join(' ')} ${stepsPerSecond.toFixed(2)} it/s eta ${eta}`;
    const cols = this.stream.columns ?? 120;
    if (text.length > cols - 1) text = text.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${text}`);
    this.visible = true;
  }

  /** Clears the bar (before a log line, or at the end). */
  clear(): void {
    if (!this.enabled || !this.visible) return;
    this.stream.write('\r\x1b[2K');
    this.visible = false;
  }
}

/** `3m05s`, `1h02m`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
