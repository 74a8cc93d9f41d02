"""Pull-request endpoints for the strict fake GitHub API (tests/support/fake_github.py).

Importing this module plugs in the routes ``propose`` needs, with GitHub's
documented shapes and rejections:

- ``GET /repos/{owner}/{repo}/pulls`` (state, head=owner:branch, base, paging)
- ``POST /repos/{owner}/{repo}/pulls`` (422 when head or base is no branch on
  the attached git remote, when there are no commits between them, or when an
  open pull request for the head already exists)
- ``PATCH /repos/{owner}/{repo}/pulls/{number}``
- ``POST /repos/{owner}/{repo}/issues/{number}/labels`` (array or {"labels": [...]})

Branches are real: ``attach_git(fake, "octo/app", bare_repo_path)`` tells the
fake which bare repository on disk plays the repository's git remote.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from support import fake_github as fg
from support.fake_github import ApiError, FakeGitHub, _now, _Request, invalid_request, not_found, route, \
    validation_failed

PULL_STATES = ("open", "closed", "all")


def attach_git(fake: FakeGitHub, full_name: str, bare: Path) -> None:
    remotes = getattr(fake, "git_remotes", None)
    if remotes is None:
        remotes = fake.git_remotes = {}  # type: ignore[attr-defined]
    remotes[full_name.lower()] = Path(bare)


def _branch_sha(fake: FakeGitHub, repo: fg.Repo, branch: str) -> str | None:
    bare = getattr(fake, "git_remotes", {}).get(repo.full_name.lower())
    if bare is None:
        return None
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=bare,
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _commits_between(fake: FakeGitHub, repo: fg.Repo, base: str, head: str) -> int:
    bare = fake.git_remotes[repo.full_name.lower()]  # type: ignore[attr-defined]
    proc = subprocess.run(["git", "rev-list", "--count", f"refs/heads/{base}..refs/heads/{head}"], cwd=bare,
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.strip())


_original_pull_json = FakeGitHub._pull_json


def _pull_json(self: FakeGitHub, repo: fg.Repo, p: dict[str, Any]) -> dict[str, Any]:
    out = _original_pull_json(self, repo, p)
    if "head_ref" not in p:
        return out
    owner = repo.full_name.split("/")[0]
    head_sha = _branch_sha(self, repo, p["head_ref"]) or p["head_sha"]
    out.update(title=p["title"], body=p["body"], draft=p["draft"], created_at=p["created_at"],
               updated_at=p["updated_at"], labels=[{"name": n, "id": 900 + i, "color": "ededed"}
                                                   for i, n in enumerate(p["labels"])])
    out["head"] = {"sha": head_sha, "ref": p["head_ref"], "label": f"{owner}:{p['head_ref']}",
                   "repo": {"full_name": repo.full_name}}
    out["base"] = {"sha": p["base_sha"], "ref": p["base_ref"], "label": f"{owner}:{p['base_ref']}",
                   "repo": {"full_name": repo.full_name}}
    return out


FakeGitHub._pull_json = _pull_json  # type: ignore[method-assign]


def _plug(method: str, path: str):
    def register(func):
        setattr(_Request, func.__name__, func)
        return route(method, path)(func)

    return register


def _head_ref(req: _Request, repo: fg.Repo, head: str) -> str:
    owner = repo.full_name.split("/")[0]
    if ":" in head:
        head_owner, _, ref = head.partition(":")
        if head_owner.lower() != owner.lower():
            raise validation_failed("PullRequest", "head", "invalid", code="invalid")
        return ref
    return head


@_plug("GET", "/repos/{owner}/{name}/pulls")
def list_pulls(self: _Request, owner: str, name: str):
    repo = self.repository(owner, name)
    self.need("pull_requests")
    q = self.call.query
    state = q.get("state", ["open"])[0]
    if state not in PULL_STATES:
        raise invalid_request(f"For 'state', \"{state}\" is not one of open, closed, all.")
    head = q.get("head", [None])[0]
    base = q.get("base", [None])[0]
    with self.api.lock:
        pulls = sorted(repo.pulls.values(), key=lambda p: -p["number"])
        items = []
        for p in pulls:
            data = self.api._pull_json(repo, p)
            if state != "all" and p["state"] != state:
                continue
            if head is not None and data["head"]["label"].lower() != head.lower():
                continue
            if base is not None and data["base"]["ref"] != base:
                continue
            items.append(data)
    chunk, headers = self.page(items)
    return 200, chunk, headers


def _body(req: _Request) -> str | None:
    body = req.string("body")
    if body is not None and len(body) > fg.COMMENT_LIMIT:
        raise validation_failed("PullRequest", "body",
                                f"body is too long (maximum is {fg.COMMENT_LIMIT} characters)")
    return body


@_plug("POST", "/repos/{owner}/{name}/pulls")
def create_pull(self: _Request, owner: str, name: str):
    repo = self.repository(owner, name)
    self.need("pull_requests", "write")
    if not isinstance(self.json, dict):
        raise invalid_request("Body should be a JSON object")
    unknown = set(self.json) - {"title", "head", "base", "body", "draft", "maintainer_can_modify",
                                "head_repo", "issue"}
    if unknown:
        raise invalid_request(f"\"{sorted(unknown)[0]}\" is not a permitted key.")
    title = self.string("title", required=True)
    head = _head_ref(self, repo, self.string("head", required=True) or "")
    base = self.string("base", required=True) or ""
    draft = self.json.get("draft", False)
    if not isinstance(draft, bool):
        raise invalid_request(f"For 'properties/draft', {draft!r} is not a boolean.")
    body = _body(self)
    head_sha = _branch_sha(self.api, repo, head)
    base_sha = _branch_sha(self.api, repo, base)
    if head_sha is None:
        raise validation_failed("PullRequest", "head", "invalid", code="invalid")
    if base_sha is None:
        raise validation_failed("PullRequest", "base", "invalid", code="invalid")
    if _commits_between(self.api, repo, base, head) == 0:
        raise validation_failed("PullRequest", "base", f"No commits between {base} and {head}")
    with self.api.lock:
        for p in repo.pulls.values():
            if p.get("head_ref") == head and p.get("base_ref") == base and p["state"] == "open":
                raise validation_failed("PullRequest", "head",
                                        f"A pull request already exists for {owner}:{head}.")
        number = max([0, *repo.pulls, *(c["_number"] for c in repo.comments.values())]) + 1
        now = _now()
        repo.commits.update({head_sha, base_sha})
        repo.pulls[number] = {"number": number, "head_sha": head_sha, "base_sha": base_sha,
                              "author": self.token.login, "state": "open", "head_ref": head, "base_ref": base,
                              "title": title, "body": body, "draft": draft, "labels": [],
                              "created_at": now, "updated_at": now}
        out = self.api._pull_json(repo, repo.pulls[number])
    return 201, out, {"Location": out["url"]}


def _own_pull(self: _Request, repo: fg.Repo, number: str) -> dict[str, Any]:
    pull = repo.pulls.get(int(number)) if number.isdigit() else None
    if pull is None:
        raise not_found()
    return pull


@_plug("PATCH", "/repos/{owner}/{name}/pulls/{number}")
def update_pull(self: _Request, owner: str, name: str, number: str):
    repo = self.repository(owner, name)
    self.need("pull_requests", "write")
    unknown = set(self.json) - {"title", "body", "state", "base", "maintainer_can_modify"}
    if unknown:
        raise invalid_request(f"\"{sorted(unknown)[0]}\" is not a permitted key.")
    with self.api.lock:
        pull = _own_pull(self, repo, number)
        title = self.string("title")
        body = _body(self)
        state = self.string("state")
        if state is not None and state not in ("open", "closed"):
            raise invalid_request(f"For 'properties/state', \"{state}\" is not one of open, closed.")
        if title is not None:
            pull["title"] = title
        if "body" in self.json:
            pull["body"] = body
        if state is not None:
            pull["state"] = state
        pull["updated_at"] = _now()
        return 200, self.api._pull_json(repo, pull), {}


@_plug("POST", "/repos/{owner}/{name}/issues/{number}/labels")
def add_labels(self: _Request, owner: str, name: str, number: str):
    repo = self.repository(owner, name)
    if self.token.permissions.get("pull_requests") != "write":
        self.need("issues", "write")
    labels = self.json.get("labels") if isinstance(self.json, dict) else self.json
    if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
        raise invalid_request("For 'labels', expected an array of label names.")
    if any(len(x) > 50 for x in labels):
        raise validation_failed("Label", "name", "name is too long (maximum is 50 characters)")
    with self.api.lock:
        pull = _own_pull(self, repo, number)
        current = pull.setdefault("labels", [])
        for label in labels:
            if label not in current:
                current.append(label)
        return 200, [{"name": n, "id": 900 + i, "color": "ededed"} for i, n in enumerate(current)], {}


__all__ = ["attach_git", "ApiError"]
