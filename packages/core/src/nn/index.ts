export { Module, markNoDecay, isNoDecay, type ParameterOptions, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
