"""Storage of the reports: counts and streams over the tips of an area and a period, and which
periodic report each unit's group has had."""
