// A mocha root hook: any unhandled rejection or uncaught exception during the whole run fails
// it. Node-RED would die of the same (or log it and carry on broken): the package must produce none.
const stray: string[] = [];

function record(kind: string): (error: unknown) => void {
  return (error: unknown) => {
    stray.push(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
}

const onRejection = record('unhandledRejection');
const onException = record('uncaughtException');

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  },
  afterAll(): void {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    if (stray.length > 0) throw new Error(`${stray.length} stray errors during the tests:\n${stray.join('\n\n')}`);
  },
};
