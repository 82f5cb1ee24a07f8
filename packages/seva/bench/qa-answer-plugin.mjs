/**
 * Bench helper: yes/no question answering as a training loss on the ANSWER token only.
 *
 * Each sample holds `captions: ["<question> <yes|no>"]`; the sequence is `[BOS, question, answer, EOS]`
 * and only the answer token is scored (the question is the prompt). Scoring the question tokens too
 * (plain captioning on "question answer" text) teaches the model to start its BOS-only captions with
 * "is there ...", which breaks captioning and CHAIR.
 */
import { IGNORE_INDEX, captionBatch, definePlugin, imagesToTensor, maskedMeanCrossEntropy, tf } from '@vlalign/core';

export function qaAnswer({ maxLength = 32, name = 'qa' } = {}) {
  return definePlugin({
    name,
    specificationVersion: 'v1',
    requires: ['vlm'],
    loss(samples, ctx) {
      const model = ctx.model;
      const size = model.vision?.config?.imageSize ?? model.config?.vision?.imageSize ?? model.imageSize;
      const images = imagesToTensor(samples.map((s) => s.image), size);
      const batch = captionBatch(samples, ctx.tokenizer, { maxLength, field: 'captions' });
      const [B, T] = batch.labels.shape;
      const labels = new Int32Array(B * T).fill(IGNORE_INDEX);
      // ids = [BOS, ..., answer, EOS]: the logits at position len-3 predict the answer (ids[len-2]).
      batch.ids.forEach((ids, b) => {
        const n = ids.length;
        labels[b * T + n - 3] = ids[n - 2];
      });
      const answerLabels = tf.tensor2d(labels, [B, T], 'int32');
      tf.dispose(batch.labels);
      const { logits } = model.forward({ images, inputIds: batch.inputIds, attentionMask: batch.attentionMask });
      const loss = maskedMeanCrossEntropy(logits, answerLabels);
      return { loss, metrics: { answers: B } };
    },
  });
}
