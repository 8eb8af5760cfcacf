"""Tips, their history, threads and clocks."""
