// One copy for every package's tests: the helper lives at the repository root (tests are not published).
export { expectClose } from '../../../../testing/expect-close.js';
