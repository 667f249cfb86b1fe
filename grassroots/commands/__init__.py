"""Sub-commands of the ``grassroots`` command line, one module each."""
