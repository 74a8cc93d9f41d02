"""The sub-commands of ``echotune-ci``: thin click wrappers, one module each."""
