"""The ``http`` check: security headers of the running app's pages, and the auth probes.

The headers are scored the way Mozilla's HTTP Observatory does
(:mod:`..headers`); the probes (:mod:`..auth_probes`) run when
``[security.http.auth] login_path`` is set. Requests go to one base URL
only: ``[security.http] url`` (or ``--url``), else the app `run` started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....errors import ConfigError, RunError
from ....results import Metric
from .base import CheckError, CheckOutput, SecurityCheck

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..headers import PageScore
    from ..settings import SecuritySettings


class HttpCheck:
    """[security.http]: header scores per page and, with a login path, the auth probes.

    Metrics: ``http.headers_score`` per page (points, higher is better,
    budget: the page's min_score) and ``auth.probes_failed`` (probes).
    ``CheckOutput.target`` is the base URL checked.
    """

    name = "http"

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """ConfigError when [security.http.auth] login_path is set without protected_path."""
        auth = settings.http.auth
        if auth.login_path and not auth.protected_path:
            raise ConfigError("[security.http.auth] login_path is set but protected_path is not")

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Fetch and probe; no URL at all is a note, not an error.

        Raises CheckError (a RunError) when the app does not answer or the
        login fails, carrying what was found before; ConfigError when
        login_path is set without protected_path.
        """
        from ....net import loopback
        from ..auth_probes import run_probes
        from ..headers import check_pages

        opts = settings.http
        base_url = opts.url or ctx.base_url
        if not base_url and ctx.app_unavailable:
            return CheckOutput(errors=[f"could not run: the app did not start: {ctx.app_unavailable}"])
        if not base_url:
            return CheckOutput(notes=["http checks not run: no URL (pass --url, set [security.http] url, "
                                      "or use `run`)"])
        out = CheckOutput(target=base_url)
        try:
            # Never through HTTP_PROXY to a loopback app: the probes carry the test password and its JWT.
            with loopback.client(base_url, timeout=opts.timeout, follow_redirects=False) as client:
                pages = check_pages(client, base_url, opts.pages, opts.min_score)
                out.findings.extend(pages.findings)
                out.metrics += [_score_metric(path, score, minimum) for path, score, minimum in pages.pages]
                # An API whose "/" is a 404 ("Cannot GET /"): the error page's headers were scored, which an
                # app often sets apart from its own pages' (helmet or a framework's error handler). A 401 or
                # 403 is the app's own route refusing a visitor (init scores one where every route does).
                out.warnings += [f"http: {path} answered HTTP {score.status}: the headers scored are an "
                                 f"error page's; set [security.http] pages to pages the app serves"
                                 for path, score, _ in pages.pages if score.status >= 400
                                 and score.status not in (401, 403)]
                if not opts.auth.login_path:
                    out.notes.append("auth probes not run: [security.http.auth] login_path is not set")
                    return out
                auth = run_probes(client, opts.auth)
        except RunError as exc:
            raise CheckError(str(exc), out) from None
        out.findings.extend(auth.findings)
        out.notes.extend(auth.notes)
        failed = [p for p in auth.probes if not p.passed]
        out.metrics.append(Metric("auth.probes_failed", len(failed), "probes",
                                  description=", ".join(f"{p.name}: {p.detail}" for p in auth.probes)))
        out.notes.append(f"http: {pages.requests + auth.requests} requests sent to {base_url}")
        return out


def _score_metric(path: str, score: PageScore, minimum: float) -> Metric:
    return Metric("http.headers_score", score.score, "points", better="higher", budget=minimum,
                  labels={"url": path}, description=f"Observatory-style grade {score.grade}").evaluate()


CHECK: SecurityCheck = HttpCheck()
