export { setFusedOps, fusedOpsEnabled, useFusedOps } from './fused-switch.js';
export { fusedGelu } from './gelu.js';
export { fusedLayerNorm } from './layer-norm.js';
export { fusedLinear } from './linear.js';
export { addSameShape } from './residual-add.js';
export { fusedAttention, fusedMultiHeadAttention, multiHeadAttentionKernelReplaced } from './attention.js';
export { fusedAdamWUpdate, fusedAdamWUpdateMany, type AdamWUpdateAttrs, type AdamWManyAttrs, type AdamWManyItem } from './adamw-update.js';
export { fusedIm2col3x3Stride2 } from './im2col.js';
