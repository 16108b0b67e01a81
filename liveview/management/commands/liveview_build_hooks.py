"""`manage.py liveview_build_hooks`: write the colocated hooks of all templates into one static
file (see liveview.colocated and docs/js-commands.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template import TemplateSyntaxError

from ...colocated import STATIC_PATH, build_js, collect_hooks
from ...colocated import output_dir as default_output_dir


class Command(BaseCommand):
    help = ("Collect the {% colocated_hook %} blocks of every template into "
            f"<output dir>/{STATIC_PATH}, which {{% liveview_head %}} loads.")
    # It builds what check W010 warns about: no system checks before it runs.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir", type=Path, default=None,
            help="A static files directory (default: the first STATICFILES_DIRS entry).")
        parser.add_argument(
            "--check", action="store_true",
            help="Write nothing; exit with status 1 if the file is missing or out of date "
                 "(for CI).")

    def handle(self, *args: Any, output_dir: Path | None = None, check: bool = False,
               verbosity: int = 1, **options: Any) -> None:
        try:
            hooks = collect_hooks()
            directory = output_dir if output_dir is not None else default_output_dir()
        except (TemplateSyntaxError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        path = directory / STATIC_PATH
        text = build_js(hooks)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        names = ", ".join(sorted(h.name for h in hooks)) or "none"
        if check:
            if current != text:
                raise CommandError(
                    f"{path} is {'out of date' if current is not None else 'missing'} "
                    f"(hooks: {names}); run `python manage.py liveview_build_hooks`",
                    returncode=1)
        elif current != text:  # else unchanged: keep the mtime, nothing downstream rebuilds
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if verbosity:
                self.stdout.write(f"wrote {path} ({len(hooks)} hooks: {names})")
            return
        if verbosity:
            self.stdout.write(f"{path} is up to date ({len(hooks)} hooks: {names})")
