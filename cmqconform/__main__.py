"""``python -m cmqconform``: the same as the ``cmqconform`` command."""

from cmqconform.cli import main

raise SystemExit(main())
