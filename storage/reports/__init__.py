"""What reports read from the database: figures computed by SQL, never row by row in Python."""
