"""Storage of the reports: which periodic report each unit's group has had."""
