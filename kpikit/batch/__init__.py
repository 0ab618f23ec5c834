"""Batch report runs: many clients x many notebooks, unattended, with an index and a summary.

``kpikit batch CONFIG [--jobs N] [--resume] [--only CLIENT...] [--timeout SECONDS]`` (or
``python -m kpikit.batch``) reads a YAML batch file, checks all of it before anything runs
(:func:`load_config` raises every problem at once as a :class:`BatchConfigError`), renders every
client x notebook in a pool of worker processes (:func:`run_batch`) and writes, under
``<output>/<run>/``, each client's reports (``NN_name.html``, ``.ipynb``, ``.kpis.json``), an
``index.html``, a ``summary.csv`` and a ``batch.json``.

Each report runs in its own kernel, forked from a warm zygote process that has done the imports once,
so a failing report fails alone and no state passes from one client's report to the next;
``--resume`` skips reports whose inputs (notebook, parameters, data, mapping, kpikit version) are
unchanged. docs/batch.md explains the batch file, fault isolation, resume, scheduling, the warm forked
kernels, the table cache and the index.

Ctrl-C and SIGTERM stop every worker and kernel within seconds, keep every finished report and
write the index for what exists (exit 130 / 143); a report is replaced only once its new version is
complete; runs into one folder lock the clients they render and merge the index; a full disk ends
with a message naming the file and the space needed.

Modules: ``config`` (the batch file), ``plan`` (tasks and input hashes), ``tasks`` (task and result
types), ``zygote`` (warm kernels), ``run`` (the worker pool), ``interrupt`` (signals, stopping
processes, private temporary folders), ``lock`` (run-folder locks), ``record`` (batch.json, index and
summary merged with the run folder), ``outputs`` (index, summary, error page), ``command`` (the
command line and the example clients).
"""

from kpikit.batch.command import (
    EXIT_LOCKED,
    SAMPLE_CLIENTS,
    add_arguments,
    main,
    make_sample,
    run_from_args,
)
from kpikit.batch.config import (
    DEFAULT_TIMEOUT,
    BatchConfig,
    BatchConfigError,
    ClientSpec,
    check_client_name,
    load_config,
)
from kpikit.batch.interrupt import RunInterrupted
from kpikit.batch.lock import RunLockError
from kpikit.batch.outputs import (
    error_page,
    print_summary,
    write_batch_index,
    write_summary,
)
from kpikit.batch.plan import input_hash, plan_tasks
from kpikit.batch.run import execute_notebook, run_batch
from kpikit.batch.tasks import BatchResult, Task, TaskResult

__all__ = [
    "BatchConfigError",
    "ClientSpec",
    "BatchConfig",
    "Task",
    "TaskResult",
    "BatchResult",
    "load_config",
    "check_client_name",
    "plan_tasks",
    "input_hash",
    "run_batch",
    "write_batch_index",
    "write_summary",
    "SAMPLE_CLIENTS",
    "make_sample",
    "main",
    "add_arguments",
    "run_from_args",
    "DEFAULT_TIMEOUT",
    "error_page",
    "print_summary",
    "execute_notebook",
    "RunInterrupted",
    "RunLockError",
    "EXIT_LOCKED",
]
