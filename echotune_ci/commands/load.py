"""``echotune-ci load``: the backend gate, a headless locust test."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, finish_phase, get_config, output_option


def _duration(_ctx, param, value):
    if value is None:
        return None
    from ..spec import parse_duration
    from ..errors import ConfigError

    try:
        return parse_duration(value, f"--{param.name.replace('_', '-')}")
    except ConfigError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


@click.command(name="load")
@config_option
@click.option("--host", help="Target URL, e.g. http://127.0.0.1:8000 (default: load.host).")
@click.option("--users", "-u", type=click.IntRange(1, 20000), help="Concurrent users.")
@click.option("--spawn-rate", "-r", type=click.FloatRange(min=0.1), help="Users started per second.")
@click.option("--duration", "-t", callback=_duration, help="How long, e.g. 10s, 2m.")
@click.option("--processes", type=click.IntRange(1, 256), help="Local locust worker processes.")
@click.option("--locustfile", type=click.Path(dir_okay=False, path_type=Path), help="Your own locustfile instead of [load] endpoints.")
@click.option("--redis-url", help="Report the Redis cache hit ratio over the test (redis://host:port/db).")
@click.option("--app-pid", type=int, help="Sample CPU and memory of this process and its children.")
@click.option("--allow-host", "allow_hosts", multiple=True, help="Another host that may be targeted (repeatable).")
@click.option("--base-host", help="Base build's URL: interleaved rounds against it and --host, then a verdict.")
@click.option("--rounds", type=click.IntRange(2, 50), help="Rounds per build with --base-host.")
@click.option("--round-duration", callback=_duration, help="Length of each round with --base-host, e.g. 5s.")
@click.option("--master", is_flag=True, help="Distributed: be the master and wait for --expect-workers.")
@click.option("--expect-workers", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Distributed: how many workers the master waits for before users start.")
@click.option("--expect-timeout", callback=_duration, default="60s", show_default=True,
              help="How long the master waits for its workers.")
@click.option("--master-bind-host", default="*", show_default=True, help="Interface the master listens on.")
@click.option("--worker", is_flag=True, help="Distributed: run users for the master at --master-host.")
@click.option("--master-host", help="The master a --worker connects to.")
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True,
              help="Distributed: the port the master listens on and workers connect to.")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where locust's CSV, HTML report and log go (default: artifacts/load/ beside --output).")
@output_option("load")
def command(config_path, output, artifacts_dir, **options) -> int:
    """Run a headless locust load test and gate p95, error rate, Redis hit ratio and app resources."""
    from .. import console
    from ..phases import PhaseContext
    from ..phases.load import run_load, serve_as_worker
    from ..phases.load_scenario import LoadOptions

    cfg = get_config(config_path)
    opts = LoadOptions(**{k: v for k, v in options.items() if k != "allow_hosts"},
                       allow_hosts=tuple(options["allow_hosts"]))
    if opts.worker:
        outcome = serve_as_worker(cfg, opts)
        console.info(f"load worker: done ({outcome.get('stopped_by', 'finished')})")
        return 0
    folder = artifacts_dir or ((output.parent if output else Path("results")) / "artifacts" / "load")
    with console.progress("load test") as bar:
        result = run_load(cfg, PhaseContext(artifacts_dir=folder, progress=bar.update), opts)
    if output is not None:
        result.artifacts = [_relative(p, output.parent) for p in result.artifacts]
    return finish_phase(result, output)


def _relative(path: str, folder: Path) -> str:
    """Artifacts inside the result file's folder are listed relative to it."""
    try:
        return str(Path(path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return path
