"""Dotenv files read as the app's own loader reads them (echotune_ci.project.dotenv)."""

from __future__ import annotations

from echotune_ci.project.dotenv import dotenv_file, dotenv_values

# One file with each rule the two loaders have: inline comments, quotes of each kind, `export`, a bare name,
# ${...} left as written, a value over two lines, a name set twice.
TEXT = ("A=#x\nB=abc#def\nC=\"q # z\" # c\nexport D=1 # c\nE\nF=${HOME}\nG=`tick # t`\n"
        "H = spaced value  \nI='single # s'\nJ=\"multi\nline\"\nB=again\nnot a setting\n")


def test_node_apps_get_what_nodes_dotenv_parses():
    # Expected: node -e 'console.log(JSON.stringify(require("dotenv").parse(TEXT)))' with dotenv 16.6.1
    # (npm), run on this text on 2026-12-04, less the "not a setting" line, which it skips too.
    assert dotenv_values(TEXT, node=True) == {
        "A": "", "B": "again", "C": "q # z", "D": "1", "F": "${HOME}", "G": "tick # t", "H": "spaced value",
        "I": "single # s", "J": "multi\nline"}


def test_python_apps_and_compose_files_get_what_python_dotenv_parses():
    # Expected: dotenv.dotenv_values(stream=io.StringIO(TEXT), interpolate=False) of python-dotenv 1.2.4,
    # less E (None there: a name without a value sets nothing in os.environ either).
    assert dotenv_values(TEXT) == {
        "A": "#x", "B": "again", "C": "q # z", "D": "1", "F": "${HOME}", "G": "`tick", "H": "spaced value",
        "I": "single # s", "J": "multi\nline"}


def test_a_missing_or_binary_file_sets_nothing(tmp_path):
    assert dotenv_file(tmp_path / "absent") == {}
    (tmp_path / ".env").write_bytes(b"\x00\xff\xfe=\x01\n")
    assert dotenv_file(tmp_path / ".env") == {}


def test_a_compose_env_file_value_leaves_its_comment_out(tmp_path):
    from echotune_ci.project.instructions import _env_files

    (tmp_path / "web.env").write_text("PORT=5000 # the web port\nDB_URL='postgres://db/app'\n")
    assert _env_files(tmp_path, "web.env") == {"PORT": "5000", "DB_URL": "postgres://db/app"}


def test_flask_app_from_flaskenv_is_the_whole_quoted_value(tmp_path):
    from echotune_ci.project.pyapp import dotenv

    (tmp_path / ".flaskenv").write_text("FLASK_APP=\"app:create_app('dev')\"  # factory\n")
    assert dotenv(tmp_path, "FLASK_APP") == ("app:create_app('dev')", ".flaskenv")


def test_base_ref_reads_a_node_apps_dotenv_as_node_does(tmp_path):
    from echotune_ci.baseref.data import dotenv_settings

    node, py = tmp_path / "api", tmp_path / "web"
    for folder in (node, py):
        folder.mkdir()
        (folder / ".env").write_text("TOKEN_PREFIX=#dev\nSALT=ab#cd\n")
    (node / "package.json").write_text("{}")
    got = dotenv_settings([node, py])
    assert got["TOKEN_PREFIX"] == ("", str(node / ".env")) and got["SALT"] == ("ab", str(node / ".env"))
    assert {k: v for k, (v, _) in dotenv_settings([py]).items()} == {"TOKEN_PREFIX": "#dev", "SALT": "ab#cd"}


def test_init_and_base_ref_take_the_same_files_for_templates(tmp_path):
    """A template is read for values where its file is missing (init) and never copied as settings
    (run --base-ref): both by one list, where init's lacked dotenv-defaults' .env.defaults."""
    from echotune_ci.baseref.data import dotenv_settings
    from echotune_ci.project.instructions import _env_files

    (tmp_path / ".env.defaults").write_text("PORT=5000\n")
    assert _env_files(tmp_path, ".env") == {"PORT": "5000"}
    assert dotenv_settings([tmp_path]) == {}


def test_a_template_is_parsed_once_for_all_the_variables_looked_up_in_it(tmp_path, monkeypatch):
    # init looks each variable start/env.ts requires up in .env.example: 60 of them in a 30000-line
    # template were 60 parses of a second each (init took 18.7 s)
    from echotune_ci.project import dotenv

    parsed: list[bool] = []
    real = dotenv.dotenv_values

    def counted(text: str, node: bool = False) -> dict[str, str]:
        parsed.append(node)
        return real(text, node=node)

    monkeypatch.setattr(dotenv, "dotenv_values", counted)
    template = tmp_path / ".env.example"
    template.write_text("".join(f"VAR_{i}=value {i} # note\n" for i in range(3000)))
    for i in range(60):
        assert dotenv_file(template, node=True)[f"VAR_{i}"] == f"value {i}"
    assert parsed == [True]
    dotenv_file(template, node=True).clear()  # each caller gets its own dict
    assert dotenv_file(template)["VAR_1"] == "value 1" and parsed == [True, False]
    template.write_text("VAR_1=changed\n")
    assert dotenv_file(template, node=True) == {"VAR_1": "changed"}
