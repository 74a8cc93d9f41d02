"""HTTP plumbing shared by every client: one retry policy."""
