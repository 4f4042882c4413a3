import { teardown } from './temp-root.setup';

export default teardown;
