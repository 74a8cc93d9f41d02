"""One module per configuration section; each exports ``SPEC`` (a Table).

The registry below maps section names to modules so that loading the config
never imports a phase (or its heavy libraries).
"""

SECTIONS: dict[str, str] = {
    "project": "echotune_ci.settings.core",
    "serve": "echotune_ci.settings.core",
    "run": "echotune_ci.settings.core",
    "budgets": "echotune_ci.settings.core",
    "gate": "echotune_ci.settings.core",
    "report": "echotune_ci.settings.core",
    "security": "echotune_ci.settings.security",
    "load": "echotune_ci.settings.load",
    "frontend": "echotune_ci.settings.frontend",
    "bundle": "echotune_ci.settings.bundle",
    "github": "echotune_ci.settings.github",
    "research": "echotune_ci.settings.research",
    "propose": "echotune_ci.settings.propose",
}
