"""Demo models (SQLite by default, see settings.DATABASES)."""
from django.db import models


class Member(models.Model):
    """Someone who signed up through the registration demo (/register/)."""

    username = models.SlugField(max_length=30, unique=True,
                                help_text="Letters, digits, - and _; 3 to 30 characters.")
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=100)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username
