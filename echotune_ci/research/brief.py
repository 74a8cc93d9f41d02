"""Research: questions about the project's own stack, answered with citations, written as a brief.

Questions come from jinja2 templates per area (templates/research/<area>.md.j2),
filled with the detected stack (:func:`echotune_ci.project.detect.detect_stack`)
and the gates that fail or regressed. Answers are cached on disk; a run asks
only what the cache does not hold. The brief is written as markdown and JSON;
a partial brief is kept when some questions fail, and the result is
``error`` then (exit 3). Research is not a phase: ``echotune-ci research``
runs it on its own (:func:`research`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..fsutil import write_json_atomic, write_text_atomic
from ..project.detect import Stack, detect_stack
from ..results import Metric, PhaseResult, load_results, now_iso
from .cache import AnswerCache, cache_key
from .concerns import Concern, concerns_from_results
from .prompts import render, system_prompt
from .providers import Answer, ChatClient, ProviderError, clean_citations, find_api_key, scrub_url_credentials
from .settings import ResearchSettings

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

BRIEF_FORMAT = "echotune-research-brief/1"
# Which detected frameworks a question about an area should mention.
_AREA_COMPONENTS = {
    "backend": ("backend",),
    "frontend": ("frontend",),
    "security": ("backend", "frontend", "security"),
    "performance": ("backend", "frontend"),
    "accessibility": ("frontend",),
}

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    """The default progress callback: says nothing."""


@dataclass
class Question:
    """One question and what became of it.

    ``status`` is pending, answered, cached (``age_s``: the answer's age in
    seconds), failed (``error`` says why) or missing (offline, not cached).
    """

    id: str
    area: str
    system: str
    prompt: str
    status: str = "pending"
    answer: Answer | None = None
    error: str = ""
    age_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The question as brief.json lists it (without the system message)."""
        return {
            "id": self.id,
            "area": self.area,
            "prompt": self.prompt,
            "status": self.status,
            "answer": self.answer.content if self.answer else None,
            "citations": [c.to_dict() for c in self.answer.citations] if self.answer else [],
            "model": self.answer.model if self.answer else "",
            "cache_age_s": round(self.age_s, 1) if self.age_s is not None else None,
            "error": self.error,
        }


@dataclass
class ResearchOptions:
    """What a research run needs besides the [research] settings.

    ``results``: result files or folders whose failing or regressed gates
    become questions; ``offline``: use cached answers only.
    """

    results: list[Path] = field(default_factory=list)
    offline: bool = False


def relevant_areas(stack: Stack, areas: Sequence[str], concerns: Sequence[Concern]) -> list[str]:
    """*areas* without UI questions for a project without a UI (and without backend questions for a
    project without code), unless a gate complains about that area."""
    wanted = []
    for area in areas:
        complained = any(c.area == area for c in concerns)
        ui_only = area in ("frontend", "accessibility")
        if ui_only and not stack.has_web_ui and not complained:
            continue
        if area == "backend" and not stack.languages and not complained:
            continue
        wanted.append(area)
    return wanted


def build_questions(stack: Stack, concerns: Sequence[Concern], settings: ResearchSettings) -> list[Question]:
    """One templated question per relevant area of ``settings.areas``, then ``settings.questions``."""
    system = system_prompt()
    questions = []
    for area in relevant_areas(stack, settings.areas, concerns):
        prompt = render(
            f"research/{area}.md.j2",
            stack=stack,
            concerns=[c for c in concerns if c.area == area],
            area_filter=lambda a: _AREA_COMPONENTS[a],
        )
        prompt = re.sub(r"\n{3,}", "\n\n", prompt).strip()
        questions.append(Question(id=area, area=area, system=system, prompt=prompt))
    for i, extra in enumerate(settings.questions, 1):
        questions.append(Question(id=f"{extra.area}-{i}", area=extra.area, system=system,
                                  prompt=extra.text.strip()))
    return questions


def answer_questions(questions: list[Question], settings: ResearchSettings, cache: AnswerCache, *,
                     offline: bool, api_key: str | None, progress: Progress = _quiet) -> None:
    """Fill in each question (in place) from the cache, else from the provider.

    *settings* are resolved; at most ``settings.concurrency`` questions are
    asked at once. Offline, what the cache does not hold is "missing".
    """
    to_ask: list[tuple[Question, str]] = []
    for q in questions:
        key = cache_key(settings.cache_identity, q.system, q.prompt)
        hit = cache.get(key)
        if hit is not None:
            q.answer, q.age_s = hit
            q.status = "cached"
        elif offline:
            q.status = "missing"
            q.error = "not in the cache (offline)"
        else:
            to_ask.append((q, key))
    if not to_ask:
        return

    with ChatClient(settings, api_key) as client:
        def ask(item: tuple[Question, str]) -> None:
            q, key = item
            progress(f"asking about {q.area}")
            try:
                answer = clean_citations(client.ask(q.system, q.prompt))
            except ProviderError as exc:
                q.status, q.error = "failed", str(exc)
                return
            q.answer, q.status = answer, "answered"
            cache.put(key, answer, identity=settings.cache_identity)

        with ThreadPoolExecutor(max_workers=max(1, min(settings.concurrency, len(to_ask)))) as pool:
            list(pool.map(ask, to_ask))


def brief_data(questions: Sequence[Question], stack: Stack, concerns: Sequence[Concern],
               settings: ResearchSettings, project: str) -> dict[str, Any]:
    """The content of brief.json (format :data:`BRIEF_FORMAT`); the base URL without credentials."""
    return {
        "format": BRIEF_FORMAT,
        "generated_at": now_iso(),
        "project": project,
        "provider": settings.provider,
        "base_url": scrub_url_credentials(settings.base_url),
        "model": settings.model,
        "stack": stack.to_dict(),
        "concerns": [c.__dict__ for c in concerns],
        "questions": [q.to_dict() for q in questions],
    }


def write_brief(folder: Path, data: dict[str, Any], stack: Stack) -> list[Path]:
    """Write brief.json, then brief.md, into *folder*; returns both paths (OSError when not writable)."""
    questions = data["questions"]
    markdown = render(
        "research/brief.md.j2",
        project=data["project"],
        provider=data["provider"],
        model=data["model"],
        generated_at=data["generated_at"],
        stack_summary=stack.summary(),
        concerns=[Concern(**c) for c in data["concerns"]],
        questions=questions,
        answered=sum(1 for q in questions if q["answer"]),
        cached=sum(1 for q in questions if q["status"] == "cached"),
        missing=[f"{q['id']}: {q['error']}" for q in questions if not q["answer"]],
    )
    # JSON first: a reader that finds brief.md can rely on brief.json being complete.
    return [write_json_atomic(folder / "brief.json", data), write_text_atomic(folder / "brief.md", markdown)]


def research(cfg: Config, options: ResearchOptions | None = None, progress: Progress = _quiet) -> PhaseResult:
    """Detect the stack of ``cfg.root``, ask about it, write the brief to ``[research] output_dir``.

    Returns the "research" result: metrics research.questions, .answered,
    .cache_hits, .citations; status error (exit 3) when a question failed or,
    offline, nothing was cached. Raises ConfigError (exit 2) for a bad base
    URL, a missing API key (unless offline) or a root that is no folder.
    """
    options = options or ResearchOptions()
    started = time.monotonic()
    result = PhaseResult(phase="research")
    settings = cfg.research.resolved()
    result.target = f"{settings.provider} {settings.model}"
    api_key = None if options.offline else find_api_key(settings)
    root = cfg.root
    if not root.is_dir():
        raise ConfigError(f"{root}: project root is not a folder")
    stack = detect_stack(root)
    concerns = concerns_from_results(load_results(options.results)) if options.results else []
    questions = build_questions(stack, concerns, settings)
    cache = AnswerCache(cfg.resolve(settings.cache_dir), settings.cache_ttl)
    answer_questions(questions, settings, cache, offline=options.offline, api_key=api_key, progress=progress)

    data = brief_data(questions, stack, concerns, settings, cfg.project.name)
    result.artifacts = [str(p) for p in write_brief(cfg.resolve(settings.output_dir), data, stack)]
    result.metrics.extend(_metrics(questions))
    result.errors.extend(_errors(questions))
    result.notes.extend(f"{q.id}: {q.error}" for q in questions if q.status == "missing")
    result.duration_s = time.monotonic() - started
    return result.finalize()


def _metrics(questions: Sequence[Question]) -> list[Metric]:
    answered = [q for q in questions if q.answer]
    counts = {
        "research.questions": len(questions),
        "research.answered": len(answered),
        "research.cache_hits": sum(1 for q in questions if q.status == "cached"),
        "research.citations": sum(len(q.answer.citations) for q in answered if q.answer),
    }
    return [Metric(name=name, value=value, unit="", better="higher") for name, value in counts.items()]


def _errors(questions: Sequence[Question]) -> list[str]:
    errors = [f"{q.id}: {q.error}" for q in questions if q.status == "failed"]
    missing = [q.id for q in questions if q.status == "missing"]
    if missing and not any(q.answer for q in questions):
        errors.append(f"offline and nothing cached for: {', '.join(missing)}")
    return errors
