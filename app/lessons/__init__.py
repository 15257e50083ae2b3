"""Lessons: the format (``model``) and the loader that validates them (``loader``)."""

from app.lessons.loader import LessonCatalog, load_catalog
from app.lessons.model import Lesson, LessonMeta, LessonProblem

__all__ = ["Lesson", "LessonCatalog", "LessonMeta", "LessonProblem", "load_catalog"]
