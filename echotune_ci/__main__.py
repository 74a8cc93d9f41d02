"""``python -m echotune_ci``: the same as the ``echotune-ci`` command."""
from .cli import main

main()
