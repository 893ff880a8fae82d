"""`rewards worker`: one long-lived process answering JSON lines; it survives whatever user code does and executes a
reward file again after it changed on disk."""

import json
import os
import subprocess
import sys

import pytest


class Worker:
    def __init__(self):
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.p = subprocess.Popen([sys.executable, "-m", "rlstudio", "rewards", "worker"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.next_id = 0

    def send_line(self, line: str) -> dict:
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def call(self, method: str, params=None) -> dict:
        self.next_id += 1
        reply = self.send_line(json.dumps({"id": self.next_id, "method": method, "params": params}))
        assert reply["id"] == self.next_id
        return reply

    def close(self) -> int:
        self.p.stdin.write(json.dumps({"method": "shutdown"}) + "\n")
        self.p.stdin.flush()
        return self.p.wait(timeout=30)


@pytest.fixture
def worker():
    w = Worker()
    yield w
    if w.p.poll() is None:
        w.p.kill()
        w.p.wait()


def request(folder, function, completions):
    return {"rewards": [{"function": f"rw.py:{function}"}], "base_dir": str(folder), "timeout_s": 2,
            "cases": [{"completion": c} for c in completions]}


def scores(reply, function):
    return [s["results"][function]["score"] for s in reply["result"]["samples"]]


def test_answers_pings_and_tests_and_exits_on_shutdown(worker, tmp_path):
    (tmp_path / "rw.py").write_text("def f(completions, **kw):\n    return [float(len(c)) for c in completions]\n")
    assert worker.call("ping")["pong"]["pid"] == worker.p.pid
    assert scores(worker.call("test", request(tmp_path, "f", ["ab", "abc"])), "f") == [2.0, 3.0]
    assert worker.close() == 0


def test_bad_lines_and_methods_get_errors_and_the_worker_goes_on(worker, tmp_path):
    assert worker.send_line("not json")["error"]["message"].startswith("request line is not JSON")
    assert worker.send_line("[1, 2]")["error"]["message"].startswith("a request is a JSON object")
    assert "unknown method" in worker.call("train")["error"]["message"]
    assert "params" in worker.call("test", None)["error"]["message"]
    assert worker.call("ping")["pong"]


def test_prints_of_user_code_never_reach_the_protocol(worker, tmp_path):
    (tmp_path / "rw.py").write_text(
        "import os\n"
        "print('printed at import')\n"
        "def f(completions, **kw):\n"
        "    print('{\"id\": 999}')\n"
        "    os.write(1, b'written to fd 1\\n')\n"
        "    return [1.0 for c in completions]\n")
    reply = worker.call("test", request(tmp_path, "f", ["a"]))
    assert scores(reply, "f") == [1.0]
    assert '{"id": 999}' in reply["result"]["functions"][0]["output"]
    assert worker.call("ping")["pong"]  # the next line read is the reply, not a print


def test_the_worker_survives_exit_hang_and_syntax_errors(worker, tmp_path):
    (tmp_path / "rw.py").write_text(
        "import os, sys\n"
        "def leaves(completions, **kw):\n    sys.exit(4)\n"
        "def spins(completions, **kw):\n    while True:\n        pass\n")
    assert "SystemExit" in worker.call("test", request(tmp_path, "leaves", ["a"]))["result"]["functions"][0]["error"]["message"]
    assert "did not return" in worker.call("test", request(tmp_path, "spins", ["a"]))["result"]["functions"][0]["error"]["message"]
    (tmp_path / "rw.py").write_text("def leaves(completions, **kw)\n    return []\n")
    os.utime(tmp_path / "rw.py", ns=(1, 1))  # a new mtime even on a coarse clock
    assert "SyntaxError" in worker.call("test", request(tmp_path, "leaves", ["a"]))["result"]["error"]["message"]
    assert worker.call("ping")["pong"]


def test_a_changed_reward_file_and_its_helper_module_are_executed_again(worker, tmp_path):
    (tmp_path / "helper.py").write_text("BONUS = 1.0\n")
    (tmp_path / "rw.py").write_text("from helper import BONUS\ndef f(completions, **kw):\n    return [BONUS for c in completions]\n")
    assert scores(worker.call("test", request(tmp_path, "f", ["a"])), "f") == [1.0]
    (tmp_path / "rw.py").write_text("from helper import BONUS\ndef f(completions, **kw):\n    return [BONUS + 1 for c in completions]\n")
    os.utime(tmp_path / "rw.py", ns=(10**9, 10**9))
    assert scores(worker.call("test", request(tmp_path, "f", ["a"])), "f") == [2.0]
    (tmp_path / "helper.py").write_text("BONUS = 5.0\n")
    os.utime(tmp_path / "helper.py", ns=(10**9, 10**9))
    assert scores(worker.call("test", request(tmp_path, "f", ["a"])), "f") == [6.0]
    assert scores(worker.call("test", request(tmp_path, "f", ["a"])), "f") == [6.0]  # unchanged: loaded once
