"""The portal as a real server process on a free loopback port (started, killed, restarted)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from tests.pg_cluster import free_port

SERVE = Path(__file__).with_name("serve_process.py")
ROOT = SERVE.parent.parent
CONFIG_VARS = ("SECRET_KEY", "DATABASE_URL", "DATA_DIR", "UPLOAD_DIR", "MINSHENG_MODE",
               "ENCRYPTION_KEY", "BASE_URL", "PUBLIC_CACHE_SECONDS")


class ServerProcess:
    """`with ServerProcess(env) as server:` serves until the block ends (or it dies)."""

    def __init__(self, env: dict[str, str], *, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
        self.env.update(env)
        self.env.setdefault("BASE_URL", self.url)
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        if self.log:
            with open(self.log, "ab") as out:  # the child keeps its own descriptor
                self.process = subprocess.Popen([sys.executable, str(SERVE), str(self.port)],
                                                env=self.env, cwd=ROOT, stdout=out,
                                                stderr=subprocess.STDOUT)
        else:
            self.process = subprocess.Popen([sys.executable, str(SERVE), str(self.port)],
                                            env=self.env, cwd=ROOT,
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90  # a loaded CI machine imports slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)  # polling for the port to open, not timing a test
        self.__exit__()
        raise RuntimeError("server did not start")

    def wait(self, timeout: float = 10) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
