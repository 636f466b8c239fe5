"""Work given to another Python process, to run on another core while this
one goes on: pure Python work holds this process's interpreter lock."""

import json
import subprocess
import sys
import tempfile
from contextlib import contextmanager


@contextmanager
def running(script, request, deadline):
    """Run the Python file `script` with `request` (a JSON value) on its
    standard input; yield a function that waits for its answer, the JSON
    value it writes, raising `RuntimeError` when it fails or runs out of
    `deadline` seconds in all. Leaving the context ends the process."""
    with tempfile.TemporaryFile() as stdin:
        stdin.write(json.dumps(request).encode())
        stdin.seek(0)
        process = subprocess.Popen(
            [sys.executable, script],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def answer():
        try:
            output, errors = process.communicate(timeout=deadline)
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"{script} took more than {deadline:g} s") from error
        if process.returncode:
            raise RuntimeError(f"{script} failed: {errors.decode()[-500:]}")
        return json.loads(output)

    try:
        yield answer
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def serve(function):
    """What a script run by `running` does: answer `function(request)`."""
    json.dump(function(json.load(sys.stdin)), sys.stdout)
