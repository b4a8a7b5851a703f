"""The one table the floor view writes to. No migration: bench/_util.py creates it in the bench database."""

from django.db import models


class FloorRow(models.Model):
    n = models.IntegerField()
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.n)
