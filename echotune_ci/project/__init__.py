"""The project under test: what it is built with (one stack detector) and ``init``'s files."""
