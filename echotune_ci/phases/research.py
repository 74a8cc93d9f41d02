"""The research phase: questions about the project's own stack, answered with citations.

Questions come from jinja2 templates per area (templates/research/<area>.md.j2),
filled with the detected stack and the gates that fail or regressed. Answers
are cached on disk; a run asks only what the cache does not hold. The brief is
written as markdown and JSON; a partial brief is kept when some questions
fail, and the result is ``error`` then (exit 3).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..fsutil import write_json_atomic, write_text_atomic
from ..results import Metric, PhaseResult, load_results, now_iso
from .research_cache import AnswerCache, cache_key
from .research_providers import (Answer, ChatClient, ProviderError, ProviderSettings, clean_citations, find_api_key,
                                 provider_settings, scrub_url_credentials)
from .research_stack import Concern, Stack, concerns_from_results, detect_stack

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from . import PhaseContext

BRIEF_FORMAT = "echotune-research-brief/1"
# Which detected frameworks a question about an area should mention.
_AREA_COMPONENTS = {
    "backend": ("backend",),
    "frontend": ("frontend",),
    "security": ("backend", "frontend", "security"),
    "performance": ("backend", "frontend"),
    "accessibility": ("frontend",),
}


@dataclass
class Question:
    id: str
    area: str
    system: str
    prompt: str
    status: str = "pending"  # answered, cached, failed, missing
    answer: Answer | None = None
    error: str = ""
    age_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
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
    """Command-line overrides of the [research] section."""

    results: list[Path] = field(default_factory=list)
    provider: str | None = None
    base_url: str | None = None
    model: str | None = None
    output_dir: Path | None = None
    offline: bool = False
    root: Path | None = None


def _render(template: str, **ctx: Any) -> str:
    from ..report.render import render

    return render(template, **ctx)


def relevant_areas(stack: Stack, areas: list[str], concerns: list[Concern]) -> list[str]:
    """Skip UI questions for a project without a UI, unless a gate complains."""
    wanted = []
    for area in areas:
        ui_only = area in ("frontend", "accessibility")
        if ui_only and not stack.has_web_ui and not any(c.area == area for c in concerns):
            continue
        if area == "backend" and not stack.languages and not any(c.area == area for c in concerns):
            continue
        wanted.append(area)
    return wanted


def build_questions(stack: Stack, concerns: list[Concern], section: dict[str, Any]) -> list[Question]:
    system = _render("research/system.md.j2").strip()
    questions = []
    for area in relevant_areas(stack, section["areas"], concerns):
        prompt = _render(
            f"research/{area}.md.j2",
            stack=stack,
            concerns=[c for c in concerns if c.area == area],
            area_filter=lambda a: _AREA_COMPONENTS[a],
        )
        prompt = re.sub(r"\n{3,}", "\n\n", prompt).strip()
        questions.append(Question(id=area, area=area, system=system, prompt=prompt))
    for i, extra in enumerate(section["questions"], 1):
        questions.append(Question(id=f"{extra['area']}-{i}", area=extra["area"], system=system,
                                  prompt=extra["text"].strip()))
    return questions


def answer_questions(questions: list[Question], settings: ProviderSettings, cache: AnswerCache, *,
                     offline: bool, concurrency: int, api_key: str | None,
                     progress=lambda _m: None) -> None:
    """Fill in each question from the cache, else from the provider (bounded concurrency)."""
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

        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(to_ask)))) as pool:
            list(pool.map(ask, to_ask))


def brief_data(questions: list[Question], stack: Stack, concerns: list[Concern], settings: ProviderSettings,
               project: str) -> dict[str, Any]:
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
    questions = data["questions"]
    markdown = _render(
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


def research(cfg: "Config", options: ResearchOptions, ctx: "PhaseContext | None" = None) -> PhaseResult:
    section = cfg.section("research")
    started = time.monotonic()
    result = PhaseResult(phase="research")
    settings = provider_settings(section, provider=options.provider, base_url=options.base_url,
                                 model=options.model)
    result.target = f"{settings.provider} {settings.model}"
    api_key = None if options.offline else find_api_key(settings)
    root = options.root or cfg.root
    if not root.is_dir():
        raise ConfigError(f"{root}: project root is not a folder")
    stack = detect_stack(root)
    concerns = concerns_from_results(load_results(options.results)) if options.results else []
    questions = build_questions(stack, concerns, section)
    cache = AnswerCache(cfg.resolve(section["cache_dir"]), section["cache_ttl"])
    progress = ctx.progress if ctx else (lambda _m: None)
    answer_questions(questions, settings, cache, offline=options.offline, concurrency=section["concurrency"],
                     api_key=api_key, progress=progress)

    folder = options.output_dir or cfg.resolve(section["output_dir"])
    data = brief_data(questions, stack, concerns, settings, cfg.section("project")["name"])
    result.artifacts = [str(p) for p in write_brief(folder, data, stack)]
    _summarise(result, questions)
    result.duration_s = time.monotonic() - started
    return result.finalize()


def _summarise(result: PhaseResult, questions: list[Question]) -> None:
    answered = [q for q in questions if q.answer]
    counts = {
        "research.questions": (len(questions), "higher"),
        "research.answered": (len(answered), "higher"),
        "research.cache_hits": (sum(1 for q in questions if q.status == "cached"), "higher"),
        "research.citations": (sum(len(q.answer.citations) for q in answered), "higher"),
    }
    for name, (value, better) in counts.items():
        result.metrics.append(Metric(name=name, value=value, unit="", better=better))  # type: ignore[arg-type]
    for q in questions:
        if q.status == "failed":
            result.errors.append(f"{q.id}: {q.error}")
        elif q.status == "missing":
            result.notes.append(f"{q.id}: {q.error}")
    missing = [q.id for q in questions if q.status == "missing"]
    if missing and not answered:
        result.errors.append(f"offline and nothing cached for: {', '.join(missing)}")


def run(cfg: "Config", ctx: "PhaseContext") -> PhaseResult:
    return research(cfg, ResearchOptions(output_dir=ctx.artifacts_dir / "research"), ctx)
