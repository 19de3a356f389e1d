"""What every slixmpp script of the test rig shares: JSON events a line on stdout, JSON commands a
line on stdin. Imported by the scripts beside it (Python puts a script's own directory on its path)."""
import asyncio
import json
import sys


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


async def serve_commands(handle):
    """Runs handle(command) as a task of its own for each JSON line on stdin, until the end of the
    input or a line "quit"; then cancels what is still running."""
    loop = asyncio.get_event_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = []
    while True:
        line = await reader.readline()
        if not line or line.strip() == b"quit":
            break
        if line.strip():
            tasks.append(asyncio.ensure_future(handle(json.loads(line))))
    for task in tasks:
        task.cancel()
