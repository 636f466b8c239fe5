"""Local SMTP sink for `make run`: keeps every message as a .eml file.

Listens on 127.0.0.1 only, accepts any sender and recipient, relays nothing.
"""

import argparse
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class EmlWriter:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:05d}.eml"
        (self.folder / name).write_bytes(envelope.original_content)
        return "250 Message kept"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(EmlWriter(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
