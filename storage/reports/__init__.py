"""What the reports read: counts and streams over the tips of an area and a period."""
