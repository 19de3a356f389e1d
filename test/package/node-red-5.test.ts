// The same tarball in Node-RED 5, which loads node files with import() and refuses to start on
// Node.js below 22.9.0. It runs on the lowest Node.js package.json's engines claims for it (22.9.0,
// where require() of an ES module still needs --experimental-require-module, so the package's
// import() of the ESM-only xmpp.js is what must work) and on the newest 22.x.
import { describePackedEcho } from '../rig/packed-echo';

describePackedEcho({ node: '22.9.0', nodeRed: 'node-red@5', nodeRedMajor: 5 });
describePackedEcho({ node: '22', nodeRed: 'node-red@5', nodeRedMajor: 5 });
