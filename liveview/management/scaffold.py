"""Writing generated files: names derived from what the user typed, files never overwritten
by accident. Shared by the `startliveview` and `liveview_crud` commands."""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import AppConfig, apps
from django.core.management.base import CommandError


@dataclass(frozen=True)
class Names:
    """One generated thing's names: `shopping cart` → ShoppingCart, shopping_cart,
    shopping-cart, "Shopping cart"."""

    camel: str
    snake: str

    @classmethod
    def parse(cls, raw: str) -> Names:
        words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", raw.replace("-", " "))
        snake = "_".join(word.lower() for word in words)
        if not words or not snake.isidentifier() or keyword.iskeyword(snake) \
                or snake[0].isdigit():
            raise CommandError(f"{raw!r} is not a usable name: use letters, digits and "
                               f"underscores, starting with a letter (e.g. shopping_cart)")
        return cls("".join(word[:1].upper() + word[1:] for word in words), snake)

    @property
    def kebab(self) -> str:
        return self.snake.replace("_", "-")

    @property
    def title(self) -> str:
        return self.snake.replace("_", " ").capitalize()


def app_config(label: str) -> AppConfig:
    try:
        return apps.get_app_config(label)
    except LookupError:
        raise CommandError(f"no installed app labelled {label!r}; create it with "
                           f"`python manage.py startapp {label}` and add it to "
                           f"INSTALLED_APPS") from None


def write_files(files: dict[Path, str], *, force: bool) -> list[Path]:
    """Write every file, or none: an existing file stops everything unless `force`."""
    existing = [path for path in files if path.exists()]
    if existing and not force:
        listing = ", ".join(str(path) for path in existing)
        raise CommandError(f"would overwrite {listing}; pass --force to replace")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)


def ensure_package(directory: Path, files: dict[Path, str]) -> None:
    """Add `directory/__init__.py` to `files` when the directory is not a package yet."""
    init = directory / "__init__.py"
    if not init.exists():
        files.setdefault(init, "")
