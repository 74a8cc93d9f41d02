"""Research: questions about the project's own stack, answered by a research API with citations."""
