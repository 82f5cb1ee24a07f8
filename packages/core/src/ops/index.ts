export { setFusedOps, fusedOpsEnabled, useFusedOps } from './fused-switch.js';
export { fusedGelu } from './gelu.js';
export { fusedLayerNorm } from './layer-norm.js';
export { fusedLinear } from './linear.js';
export { fusedAttention, fusedMultiHeadAttention } from './attention.js';
export { fusedAdamWUpdate, type AdamWUpdateAttrs } from './adamw-update.js';
