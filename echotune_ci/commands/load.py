"""``echotune-ci load``: the backend gate, a headless locust test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config.schema import click_option, duration_callback, override
from ..phases.load.settings import LoadSettings
from ..fsutil import relative_path
from .common import artifacts_folder, config_option, finish_phase, get_config, output_option


@click.command(name="load")
@config_option
@click_option(LoadSettings, "host", "--host",
              help="Target URL, e.g. http://127.0.0.1:8000 (default: load.host).")
@click_option(LoadSettings, "users", "--users", "-u", help="Concurrent users.")
@click_option(LoadSettings, "spawn_rate", "--spawn-rate", "-r", help="Users started per second.")
@click_option(LoadSettings, "duration", "--duration", "-t", help="How long, e.g. 10s, 2m.")
@click_option(LoadSettings, "processes", "--processes", help="Local locust worker processes.")
@click_option(LoadSettings, "locustfile", "--locustfile", type=click.Path(dir_okay=False),
              help="Your own locustfile instead of [load] endpoints.")
@click_option(LoadSettings, "redis_url", "--redis-url",
              help="Report the Redis cache hit ratio over the test (redis://host:port/db).")
@click.option("--app-pid", type=int, help="Sample CPU and memory of this process and its children.")
@click.option("--allow-host", "allow_hosts", multiple=True,
              help="Another host that may be targeted (repeatable).")
@click_option(LoadSettings, "compare.base_host", "--base-host",
              help="Base build's URL: interleaved rounds against it and --host, then a verdict.")
@click_option(LoadSettings, "compare.rounds", "--rounds", help="Rounds per build with --base-host.")
@click_option(LoadSettings, "compare.round_duration", "--round-duration",
              help="Length of each round with --base-host, e.g. 5s.")
@click.option("--master", is_flag=True, help="Distributed: be the master and wait for --expect-workers.")
@click.option("--expect-workers", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Distributed: how many workers the master waits for before users start.")
@click.option("--expect-timeout", callback=duration_callback, default="60s", show_default=True,
              help="How long the master waits for its workers.")
@click.option("--master-bind-host", default="*", show_default=True, help="Interface the master listens on.")
@click.option("--worker", is_flag=True, help="Distributed: run users for the master at --master-host.")
@click.option("--master-host", help="The master a --worker connects to.")
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True,
              help="Distributed: the port the master listens on and workers connect to.")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where locust's CSV, HTML report and log go (default: artifacts/load/ beside --output).")
@output_option("load")
def command(config_path: Path | None, output: Path | None, artifacts_dir: Path | None, app_pid: int | None,
            allow_hosts: tuple[str, ...], master: bool, expect_workers: int, expect_timeout: float,
            master_bind_host: str, worker: bool, master_host: str | None, master_port: int,
            base_host: str | None, rounds: int | None, round_duration: float | None,
            **settings: Any) -> int:
    """Run a headless locust load test and gate p95, error rate, Redis hit ratio and app resources."""
    from .. import console
    from ..phases.base import PhaseContext
    from ..phases.load.phase import run_load, serve_as_worker
    from ..phases.load.plan import RunOptions

    cfg = get_config(config_path)
    given = {**settings, "compare.base_host": base_host, "compare.rounds": rounds,
             "compare.round_duration": round_duration}
    load = override(cfg.load, **given)
    opts = RunOptions(master=master, worker=worker, expect_workers=expect_workers,
                      expect_timeout=expect_timeout, master_bind_host=master_bind_host,
                      master_host=master_host, master_port=master_port,
                      from_command_line=frozenset(name for name, value in given.items() if value is not None))
    ctx = PhaseContext.for_config(cfg, artifacts_folder(artifacts_dir, output, "load"), app_pid=app_pid,
                                  allow_hosts=allow_hosts)
    if worker:
        outcome = serve_as_worker(load, ctx, opts)
        console.info(f"load worker: done ({outcome.get('stopped_by', 'finished')})")
        return 0
    with console.progress("load test") as bar:
        result = run_load(load, ctx.with_progress(bar.update), opts)
    if output is not None:
        result.artifacts = [relative_path(p, output.parent) for p in result.artifacts]
    return finish_phase(result, output)
