"""GitHub delivery: the sticky PR comment, check runs, pull requests, through PyGithub with our retries."""
