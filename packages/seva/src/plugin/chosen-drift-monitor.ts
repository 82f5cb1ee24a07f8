/**
 * Watches for DPO's best-known failure on small models: the chosen answers' log-prob falling along
 * with the rejected ones ("likelihood displacement"). The loss only needs chosen to gain on rejected,
 * so both can sink together until the model's greedy output degenerates. On this repository's
 * shapes-world captioner that ended in captions naming no object at all, whose CHAIR of 0 reads as
 * success. The rewards still look healthy then, so the run warns on the drift itself.
 */
export class ChosenDriftMonitor {
  private readonly recent: number[] = [];
  private warned = false;

  /**
   * @param threshold Warn when the chosen answers' mean log-prob per token has fallen this many nats
   *   below the reference's, averaged over the last `window` steps.
   * @param window Steps averaged, so one odd batch does not trigger it.
   */
  constructor(
    readonly threshold: number,
    readonly window = 5,
  ) {
    if (!(threshold > 0 && Number.isFinite(threshold))) throw new Error(`seva: collapseWarning must be a finite number > 0 (nats per token) or false; got ${threshold}`);
  }

  /**
   * Records one step's mean per-token log-ratio `log π(chosen) − log π_ref(chosen)`. Returns the
   * warning the first time the windowed mean falls below `−threshold`, otherwise undefined.
   */
  push(perTokenLogRatio: number, step: number): string | undefined {
    if (!Number.isFinite(perTokenLogRatio)) return undefined;
    this.recent.push(perTokenLogRatio);
    if (this.recent.length > this.window) this.recent.shift();
    if (this.warned || this.recent.length < this.window) return undefined;
    const mean = this.recent.reduce((s, v) => s + v, 0) / this.recent.length;
    if (mean >= -this.threshold) return undefined;
    this.warned = true;
    return (
      `at step ${step} the chosen answers' log-prob is ${(-mean).toFixed(2)} nats per token below the reference ` +
      `(mean of the last ${this.window} steps; warning threshold ${this.threshold}). DPO is probably degrading the model, ` +
      'even if rewards/accuracies looks fine. Check its generations. Remedies: a lower lr, a higher beta, or an SFT ' +
      'term (rpoAlpha, or a supervised plugin such as captioning in the same run).'
    );
  }
}
