"""The steps a reader follows in a Markdown page, read from its fenced code blocks.

A block is a step when it is
  - a shell block (```sh): commands to run, in order, in one directory that `cd` changes;
  - a file block: its first line is a comment naming the file and what to do with it,
    `# mysite/settings.py (add at the end)` or `{# myapp/templates/myapp/x.html (new file) #}`,
    the action being "new file", "replace its content" or "add at the end". The block is
    written as is, that first line included (it is a comment in the file too).
Any other block in the sections read is an error, so the page and the tests cannot drift apart.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(?P<language>[\w+-]*)\n(?P<text>.*?)^```$", re.MULTILINE | re.DOTALL)
LABEL = re.compile(r"^(?:#|\{#)\s*(?P<path>[\w.-]+(?:/[\w.-]+)*\.\w+)\s+"
                   r"\((?P<action>new file|replace its content|add at the end)\)")
SHELL_LANGUAGES = ("sh", "bash", "shell")
ACTIONS = ("new file", "replace its content", "add at the end")


@dataclass(frozen=True)
class Step:
    language: str
    text: str
    line: int  # of the opening fence in the page, for messages
    path: str | None = None  # file blocks
    action: str | None = None

    @property
    def is_shell(self) -> bool:
        return self.path is None

    def commands(self) -> list[str]:
        """A shell step's commands: its lines without comments and blank lines."""
        commands = []
        for line in self.text.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
        return commands


def section(markdown: str, heading: str) -> str:
    """The text under the `## heading` line, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(?P<body>.*?)(?=^## |\Z)", markdown,
                      re.MULTILINE | re.DOTALL)
    if match is None:
        raise AssertionError(f"no '## {heading}' section")
    return match["body"]


def steps(markdown: str, headings: list[str]) -> list[Step]:
    """The steps of the sections `headings`, in page order."""
    found: list[Step] = []
    for heading in headings:
        body = section(markdown, heading)
        offset = markdown.index(body)
        for block in FENCE.finditer(body):
            line = markdown.count("\n", 0, offset + block.start()) + 1
            language, text = block["language"], block["text"]
            if language in SHELL_LANGUAGES:
                found.append(Step(language, text, line))
                continue
            label = LABEL.match(text)
            if label is None:
                raise AssertionError(
                    f"the ```{language} block at line {line} ({heading!r}) does not start with "
                    f"a comment naming its file and one of {ACTIONS}: {text.splitlines()[:1]}")
            found.append(Step(language, text, line, label["path"], label["action"]))
    return found


def file_steps(markdown: str) -> list[Step]:
    """The file blocks of a whole page (blocks without a label are left out)."""
    found = []
    for block in FENCE.finditer(markdown):
        label = LABEL.match(block["text"])
        if label is not None:
            line = markdown.count("\n", 0, block.start()) + 1
            found.append(Step(block["language"], block["text"], line, label["path"],
                              label["action"]))
    return found


def shell_steps(markdown: str) -> list[Step]:
    """The shell blocks of a whole page."""
    return [Step(block["language"], block["text"], markdown.count("\n", 0, block.start()) + 1)
            for block in FENCE.finditer(markdown) if block["language"] in SHELL_LANGUAGES]


def apply_file_step(step: Step, directory: Path) -> Path:
    """Write a file step's block into `directory`, as the reader is told to."""
    target = directory / step.path
    exists = target.is_file()
    where = f"line {step.line}: {step.path} ({step.action})"
    if step.action == "new file":
        assert not exists, f"{where}: the file already exists"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(step.text)
    elif step.action == "replace its content":
        assert exists, f"{where}: there is no such file to replace"
        target.write_text(step.text)
    else:
        assert exists, f"{where}: there is no such file to add to"
        with target.open("a") as file:
            file.write("\n" + step.text)
    return target


def run_shell_step(step: Step, directory: Path, env: dict, replace: dict[str, str],
                   timeout: float = 180) -> Path:
    """Run a shell step's commands in `directory` with bash; returns the directory it ends in.

    `replace` maps a command, as written, to what runs instead (the empty string: nothing),
    e.g. the install command to one that installs from a copy of the checkout."""
    script = ["set -euo pipefail"]
    for command in step.commands():
        script.append(replace.get(command, command))
    here = directory / ".step-cwd"
    script.append(f'pwd > "{here}"')
    result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=directory, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"the shell block at line {step.line} failed "
                             f"({result.returncode}):\n{chr(10).join(script)}\n"
                             f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")
    ended_in = Path(here.read_text().strip())
    here.unlink()
    return ended_in


def venv_env(venv: Path, extra_path: list[Path] = ()) -> dict:
    """The environment of a shell with `venv` activated: no project of ours on sys.path."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *map(str, extra_path), env["PATH"]])
    env["VIRTUAL_ENV"] = str(venv)
    env["PYTHONUNBUFFERED"] = "1"
    return env
