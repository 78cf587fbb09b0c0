"""The spec stage: load ``specs/`` into models, lint them, export and count them."""

from cmqconform.spec.loader import default_root, load_specs

__all__ = ["default_root", "load_specs"]
