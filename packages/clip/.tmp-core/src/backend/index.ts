export { initBackend, currentBackend, type BackendInfo, type BackendName } from './init-backend.js';
export { probeTensorflowPackage, type NativeProbe } from './probe-tensorflow.js';
