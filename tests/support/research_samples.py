"""A small repository for the stack detector and research tests: manifests of several ecosystems."""

from __future__ import annotations

import json
from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sample_repo(root: Path) -> Path:
    write(root / "requirements.txt", "Flask==2.2.5\ngunicorn>=21  # server\n-r other.txt\nPyJWT==2.3.0\n")
    write(root / "web" / "package.json", json.dumps({
        "dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0"},
        "devDependencies": {"vite": "5.0.0", "left-pad": "1.0.0"},
    }))
    write(root / "web" / "node_modules" / "vue" / "package.json", json.dumps({"dependencies": {"vue": "3"}}))
    write(root / "Dockerfile",
          "FROM node:20-alpine AS build\nRUN true\nFROM python:3.11-slim\nCOPY --from=build /a /b\n")
    write(root / "app.py", "import flask\n")
    return root
