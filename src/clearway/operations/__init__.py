"""Operating an installation: backing up and restoring its database, and its secret key."""
