// The tarball in the repository's Node-RED 4.1 on the lowest Node.js 20 that package.json's engines
// claims (20.19.0; the rest of the suite runs on whatever Node 20 the machine has).
import { describePackedEcho } from '../rig/packed-echo';

describePackedEcho({ node: '20.19.0', nodeRedMajor: 4 });
