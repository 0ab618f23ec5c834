"""kpikit.batch.lock: one holder at a time, named in the refusal; a dead holder's lock is taken over."""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from kpikit.batch.lock import FolderLock, RunLockError, client_lock_path, lock_clients


def test_a_held_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    path = client_lock_path(tmp_path, "acme")
    first = FolderLock.acquire(path)
    assert json.loads(path.read_text())["pid"] == os.getpid()
    with pytest.raises(RunLockError) as err:
        FolderLock.acquire(path)  # another open file: refused like another process
    assert f"pid {os.getpid()} on host {socket.gethostname()}" in str(err.value)
    assert err.value.holder["pid"] == os.getpid()
    first.release()
    assert not path.exists()  # no lock file is left behind
    FolderLock.acquire(path).release()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / ".kpikit-client-acme.lock"
    code = (
        "import sys; from pathlib import Path; from kpikit.batch.lock import FolderLock;"
        "FolderLock.acquire(Path(sys.argv[1])); print('locked', flush=True); import os; os._exit(0)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert done.stdout == "locked\n" and path.exists()  # the process died holding it: the file stays
    dead = json.loads(path.read_text())["pid"]
    lock = FolderLock.acquire(path)  # no wait: the operating system released the dead holder's lock
    assert lock.previous["pid"] == dead and json.loads(path.read_text())["pid"] == os.getpid()
    lock.release()


def test_a_waiting_holder_gets_the_lock_when_it_is_released_and_the_file_removed(tmp_path):
    path = tmp_path / ".kpikit-outputs.lock"
    first = FolderLock.acquire(path)
    got = {}
    waiter = threading.Thread(target=lambda: got.update(lock=FolderLock.acquire(path, wait=60)))
    waiter.start()
    first.release()  # removes the file the waiter may have opened: it must lock the new one
    waiter.join(60)
    lock = got["lock"]
    assert os.path.samestat(os.fstat(lock.fd), os.stat(path))
    with pytest.raises(RunLockError):
        FolderLock.acquire(path)
    lock.release()


def test_lock_clients_takes_all_or_none(tmp_path):
    held = FolderLock.acquire(client_lock_path(tmp_path, "b"))
    with pytest.raises(RunLockError) as err:
        lock_clients(tmp_path, ["a", "b", "c"])
    msg = str(err.value)
    assert "the reports of client 'b' are being written by another kpikit batch" in msg
    assert "nothing was run" in msg and "leave 'b' out with --only" in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kpikit-client-b.lock"]  # a's lock let go
    held.release()
    locks = lock_clients(tmp_path, ["a", "b"])
    assert len(locks) == 2
    for lock in locks:
        lock.release()
