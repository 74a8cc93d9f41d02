"""`run --base-ref` with one database server both builds name: the head is built first, so its migrations
reach the database before the base's build runs there. A base whose build then fails says so, and what to
do last, where the comment's cut of a long warning keeps it.

As met on a Flask tutorial's two chapters on one PostgreSQL ``DATABASE_URL``: the head's ``flask db
upgrade`` added a revision the base's Alembic does not know, the base's own upgrade exited 1 with only its
INFO lines, and the warning said nothing of the database the two builds shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.baseref.sidebyside import (BaseBuildFailed, SideBySide, _prepare_base,
                                            failure_text)
from echotune_ci.config import load_config
from echotune_ci.errors import RunError
from echotune_ci.report.layout import one_line
from echotune_ci.serve import App

# What to do, said last: the entry of [serve] env that gives each build its own copy of the database the
# checkouts below name (DATABASE_URL's microblog)
OWN_DATABASE_SHORT = ('give each build its own database: {build} in [serve] env is "base" or "head" '
                      '(DATABASE_URL = ".../microblog_{build}")')

# The base's build fails as Flask-Migrate's upgrade did: exit 1 after its INFO lines.
BUILD = "echo 'INFO  [alembic.runtime.migration] Will assume transactional DDL.'; exit 1"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # setup stamps stay in the test's folder


def checkouts(tmp_path: Path, url: str) -> tuple[Path, Path]:
    """The head's and the base's folders, each with the same echotune.toml naming *url* in DATABASE_URL."""
    toml = (f'[serve]\nbuild = "{BUILD}"\ncommand = "python3 -m http.server {{port}}"\n'
            f'ready_url = "http://127.0.0.1:{{port}}/"\nenv = {{ DATABASE_URL = "{url}" }}\n')
    folders = tmp_path / "head", tmp_path / "base"
    for folder in folders:
        folder.mkdir()
        (folder / "echotune.toml").write_text(toml)
    return folders


def build_base(head: Path, base: Path) -> RunError:
    head_cfg, base_cfg = load_config(head / "echotune.toml"), load_config(base / "echotune.toml")
    head_app = App(head_cfg.serve, head, root=head)
    with pytest.raises(RunError) as failed:
        _prepare_base(base_cfg, head_cfg, True, False, {}, SideBySide(), temporary=False, repo=head,
                      head=head_app)
    return failed.value


def test_a_base_whose_build_fails_on_the_database_the_head_was_built_on_says_so(tmp_path: Path) -> None:
    head, base = checkouts(tmp_path, "postgresql://mb:secret@127.0.0.1:5432/microblog")

    error = build_base(head, base)

    message = str(error)
    assert message.startswith(
        f"serve.build failed with exit code 1 ({BUILD}); the head, built first, shares its database with "
        "the base, DATABASE_URL (postgresql://127.0.0.1:5432/microblog), and may have migrated it to a "
        "schema the base does not know; it printed: INFO")
    assert "secret" not in message
    assert isinstance(error, BaseBuildFailed) and error.advice == OWN_DATABASE_SHORT
    text = failure_text("--base-ref c22", message, advice=error.advice)
    assert text.endswith("transactional DDL.; " + OWN_DATABASE_SHORT)
    # The comment keeps a long warning's start and end: what to do survives the cut.
    assert one_line(f"no comparison with the base: {text}").endswith(OWN_DATABASE_SHORT)


def test_a_base_with_a_database_of_its_own_fails_without_a_word_of_the_heads(tmp_path: Path) -> None:
    head, base = checkouts(tmp_path, "postgresql://mb@127.0.0.1:5432/microblog_{build}")

    error = build_base(head, base)

    assert not isinstance(error, BaseBuildFailed)
    assert "database" not in str(error)
    assert str(error).startswith(f"serve.build failed with exit code 1 ({BUILD}); it printed: INFO")
