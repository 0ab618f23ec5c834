"""Batch report runs: many clients x many notebooks, unattended, with an index and a summary.

``kpikit batch CONFIG [--jobs N] [--resume] [--only CLIENT...] [--timeout SECONDS]`` reads a YAML batch
file, checks all of it before anything runs, renders every client x notebook in a pool of worker
processes and writes, under ``<output>/<run>/``::

    index.html                 every client x notebook: status, duration, headline KPIs, links
    summary.csv                one row per client, the headline KPIs of every notebook side by side
    batch.json                 the same results, machine-readable (read back by --resume)
    <client>/NN_name.html      the report (no code cells), title block, table of contents
    <client>/NN_name.ipynb     the executed notebook
    <client>/NN_name.kpis.json the headline KPIs, the parameters and the hash of the inputs
    <client>/NN_name.error.html and NN_name.failed.ipynb   for a failed run only

The batch file
--------------
Relative paths are relative to the batch file's folder::

    run: 2025-06                      # run name: a plain folder name under output (no separators, no ..)
    output: ../../reports             # default: reports (beside the batch file)
    notebook_dir: ../../notebooks     # where the NN_name.ipynb notebooks live
    notebooks: [01_bounce_rate_diagnosis, 02_funnel_conversion]   # default for clients: all
    timeout: 600                      # per-cell timeout in seconds (default 600)
    defaults:                         # parameter values for every client (only to notebooks declaring them)
      definition: ga4
    clients:
      - name: juniper-box             # folder name of the client's reports (no path separators, no ..)
        data: clients/juniper-box     # folder holding the client's canonical tables
        mapping: null                 # optional YAML column-mapping file
        parameters: {client: Juniper Box}   # overrides; ``client`` defaults to the name
        notebooks: [01_bounce_rate_diagnosis]   # optional: the notebooks to run for this client

Every problem is collected before anything runs (unknown keys and notebooks and parameters, each with
the closest valid name, wrong types, missing folders, unsafe client names) and raised together as a
:class:`BatchConfigError`. The batch sets each notebook's ``data_dir``, ``mapping_file`` and ``client``
parameters (paths relative to the notebook folder, so no absolute path reaches a report).

Fault isolation
---------------
Each report runs in its own kernel process. An exception, a cell timeout or a kernel that dies fails
that report alone: its error (cell, exception, message) goes to ``NN_name.error.html``, the index and
``batch.json``; the batch goes on and the exit status is 1 at the end. Outputs are written under
temporary names and moved into place only when the whole report succeeded; a failed run removes the
previous outputs of that report, so a run folder never mixes a new failure with an old report.

Resume
------
Every ``.kpis.json`` carries ``input_hash``: SHA-256 over the notebook file, the parameters passed,
every file of the client's data folder (names and bytes), the mapping file and the kpikit version.
``--resume`` skips a report whose three outputs exist and whose recorded hash equals the hash of the
current inputs; anything changed, missing or failed runs again.

Scheduling
----------
Reports run longest first (their duration in the previous run's ``batch.json``, else an estimate
from their code and chart cells), so the batch does not end with one long report running alone; the
index and summary keep the order of the batch file.

Warm kernels: a fork-based zygote
---------------------------------
Starting a kernel and importing pandas, scipy, seaborn, pandera and kpikit costs several seconds of
CPU per report, often more than a report spends on its own numbers. Re-using one kernel for several
reports would leak state (variables, module attributes, matplotlib rcParams, warning filters) from
one client's report into the next. kpikit instead starts one *zygote* per batch: a plain Python
process that imports ipykernel, IPython, numpy, pandas, scipy, matplotlib, seaborn and the kpikit
modules once, fills a few caches (the CSV parser, pandas' Styler templates, an off-screen Agg
drawing; no pyplot figure, no option or rcParams change) and then runs no notebook code at all, and
creates no thread, zmq context or event loop. For each report a pool worker asks the zygote (over a
unix socket) to ``fork()``; the child becomes a brand-new IPython kernel (``IPKernelApp`` started in
the child, on its own connection file and unix-socket transport, in the notebook's folder, with its
numpy global random state re-seeded from the OS, in its own session and killed if the zygote dies)
and is killed after that one report. Forking is copy-on-write, so every kernel begins with the
imports done and with nothing that any other report did: the zygote's memory is the same for every
child and no child's changes flow back. Each worker also asks for the kernel of its next report
while the current one runs, so kernel start-up overlaps with work. What a kernel imports while it
starts (ipykernel's debugger brings debugpy) is imported by the zygote too, so a forked kernel starts
on about 0.05 s of CPU instead of 0.2 s; and a worker takes a kernel as ready as soon as it answers
``kernel_info`` with its IOPub channel connected, without jupyter_client's wait for 0.2 s of IOPub
silence (nbclient ignores IOPub messages that are not its cell's). Charts are drawn once, not twice,
in every kpikit notebook, batch or not (:func:`kpikit.plots.draw_charts_once`). Together these took
the 16-report benchmark from 1.97x to about 2.5x the plain pool's throughput (``benchmarks/batch.py``).
The pool workers themselves are forked from the parent after it has imported nbclient, papermill and
the HTML exporter. Should the
zygote die, workers fall back to ordinary kernels; ``warm=False`` (``--cold``) uses ordinary kernels
started by jupyter_client throughout, as papermill does (and is the fallback where ``os.fork`` does not
exist).

Execution uses papermill's parameter injection (:func:`papermill.parameterize.parameterize_notebook`,
so the executed notebook has the same injected cell as ``papermill`` would write) and
:class:`nbclient.NotebookClient` with the managed kernel; the HTML comes from
:func:`kpikit.render.notebook_html`.

Example clients: ``python -m kpikit.batch --make-sample`` regenerates ``data/sample/clients/`` (three
small datasets from :func:`kpikit.sample.generate` with their own seeds and effects) byte for byte.
"""

from kpikit.batch.command import (
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
    'BatchConfigError',
    'ClientSpec',
    'BatchConfig',
    'Task',
    'TaskResult',
    'BatchResult',
    'load_config',
    'check_client_name',
    'plan_tasks',
    'input_hash',
    'run_batch',
    'write_batch_index',
    'write_summary',
    'SAMPLE_CLIENTS',
    'make_sample',
    'main',
    'add_arguments',
    'run_from_args',
    'DEFAULT_TIMEOUT',
    'error_page',
    'print_summary',
    'execute_notebook',
]
